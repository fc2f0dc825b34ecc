/// Adapts a model file (`GGUFFile`, `GGUFLlamaTensors`, safetensors) to the runtime's `WeightSource`. Matrices
/// stay in the mapping in their stored format (F32 borrowed as is; F16, BF16 and ggml blocks dequantised tile by
/// tile inside the matmuls); small tensors (norms, biases) that are not F32 are converted once.
public final class TensorFileWeights: WeightSource, @unchecked Sendable {
    public let file: any TensorFile
    private let zeroCopy: (String) -> Bool
    private let storedRows: (String) -> [Int]?

    /// `zeroCopy(name)` says whether the file's raw bytes for `name` are already the layout `float32(name)`
    /// returns (false e.g. for GGUF q/k rows, which the reader un-permutes); `storedRows(name)` then gives, for each
    /// logical row, the stored row that holds it (nil: the tensor is dequantised once instead).
    public init(
        _ file: any TensorFile, zeroCopy: @escaping (String) -> Bool = { _ in true },
        storedRows: @escaping (String) -> [Int]? = { _ in nil }
    ) {
        self.file = file
        self.zeroCopy = zeroCopy
        self.storedRows = storedRows
    }

    public convenience init(gguf: GGUFLlamaTensors) {
        self.init(
            gguf, zeroCopy: { !gguf.isTransformed($0) },
            storedRows: { name in
                guard let g = gguf.ggufName(for: name), let permutation = LlamaTensorNames.permutation(gguf: g),
                    let rows = gguf.info(name)?.shape.first
                else { return nil }
                let heads = permutation == .query ? gguf.config.numAttentionHeads : gguf.config.numKeyValueHeads
                return WeightMatrix.ggufRotaryRows(rows: rows, heads: heads)
            })
    }

    public func storedMatrix(_ name: String, rows: Int, columns: Int) -> WeightMatrix? {
        guard let info = file.info(name), info.elementCount == rows * columns else { return nil }
        if info.dtype == .f32 {
            return float32View(name).map { WeightMatrix(float32: $0, rows: rows, columns: columns) }
        }
        var order: [Int]?
        if !zeroCopy(name) {
            guard let map = storedRows(name), map.count == rows else { return nil }
            order = map
        }
        guard let view = try? file.view(name) else { return nil }
        return WeightMatrix(view: view, rows: rows, columns: columns, storedRows: order)
    }

    public func shape(of name: String) -> [Int]? { file.info(name)?.shape }

    public func float32(_ name: String) throws -> [Float] { try file.float32(name) }

    public func float32View(_ name: String) -> FloatStorage? {
        guard let info = file.info(name), info.dtype == .f32, zeroCopy(name),
            let view = try? file.view(name), let typed = view.typed(as: Float.self), let base = typed.baseAddress,
            typed.count == info.elementCount
        else { return nil }
        #if _endian(little)
            return FloatStorage(borrowing: base, count: typed.count, owner: view.owner)
        #else
            return nil
        #endif
    }
}

extension DecoderConfig {
    /// From the model-file reader's `LlamaConfig` (GGUF metadata or `config.json`). Hydra fields are read
    /// separately (`DecoderConfig(huggingFace:)`), since only our `config.json` files carry them.
    public init(_ c: LlamaConfig, ropeFrequencyDivisors: [Float]? = nil) throws {
        var scaling: RopeScaling = .none
        if let divisors = ropeFrequencyDivisors {
            scaling = .frequencyDivisors(divisors)
        } else if let s = c.ropeScaling {
            switch s.type {
            case "linear":
                scaling = .linear(factor: s.factor)
            case "llama3":
                guard let original = s.originalMaxPositionEmbeddings else {
                    throw RuntimeError.invalidConfig("llama3 rope scaling without original_max_position_embeddings")
                }
                scaling = .llama3(
                    factor: s.factor, lowFreqFactor: s.lowFreqFactor ?? 1, highFreqFactor: s.highFreqFactor ?? 4,
                    originalMaxPositions: original)
            case "default", "none":
                break
            default:
                throw RuntimeError.invalidConfig(
                    "rope scaling '\(s.type)' is not supported (default, linear and llama3 are)")
            }
        }
        guard c.hiddenAct == "silu" else {
            throw RuntimeError.invalidConfig("activation '\(c.hiddenAct)' is not supported (silu is)")
        }
        guard !c.mlpBias else { throw RuntimeError.invalidConfig("MLP biases are not supported") }
        self.init(
            hiddenSize: c.hiddenSize, intermediateSize: c.intermediateSize, layerCount: c.numHiddenLayers,
            headCount: c.numAttentionHeads, kvHeadCount: c.numKeyValueHeads, headDim: c.headDim,
            vocabularySize: c.vocabSize, rmsNormEps: Float(c.rmsNormEps),
            rope: RopeConfig(theta: c.ropeTheta, scaling: scaling),
            tiedEmbeddings: c.tieWordEmbeddings, maxPositions: c.maxPositionEmbeddings, slidingWindow: c.slidingWindow,
            attentionBias: c.attentionBias,
            bosTokenID: c.bosTokenID, eosTokenIDs: c.eosTokenID.map { [$0] } ?? [])
        try validate()
    }
}
