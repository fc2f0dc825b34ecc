/// Mapping between llama.cpp GGUF tensor names and Hugging Face Llama names.
public enum LlamaTensorNames {
    private static let global: [String: String] = [
        CheckpointLayout.ggufEmbeddingTensor: CheckpointLayout.embeddingTensor,
        "output_norm.weight": "model.norm.weight",
        CheckpointLayout.ggufHeadTensor: CheckpointLayout.headTensor,
    ]

    /// The Hugging Face name for a GGUF tensor of `architecture`, or nil for tensors HF does not store
    /// (`rope_freqs.weight` and Phi-3's `rope_factors_*.weight`, which HF keeps in `config.json`) or does not know.
    public static func huggingFaceName(gguf name: String, architecture: GGUFArchitecture = .llama) -> String? {
        if let g = global[name] { return g }
        let parts = name.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4, parts[0] == "blk", let layer = Int(parts[1]), layer >= 0,
            String(layer) == parts[1], let hf = architecture.huggingFaceLayerPart(String(parts[2])),
            parts[3] == "weight" || parts[3] == "bias"
        else { return nil }
        return "model.layers.\(layer).\(hf).\(parts[3])"
    }

    /// Which q/k permutation llama.cpp's converter applied to this GGUF tensor, if any.
    enum Permutation { case query, key }

    static func permutation(gguf name: String) -> Permutation? {
        let parts = name.split(separator: ".")
        guard parts.count == 4, parts[0] == "blk" else { return nil }
        switch parts[2] {
        case "attn_q": return .query
        case "attn_k": return .key
        default: return nil
        }
    }

    /// Undo llama.cpp's rotary permutation of q/k projection rows (`convert_hf_to_gguf.py` `permute`):
    /// within each head of `headDim` rows, GGUF row `2j + p` holds HF row `p·headDim/2 + j`.
    /// `values` has `rows × rowLength` elements (a bias has rowLength 1).
    public static func unpermuteRows(_ values: [Float], heads: Int, rowLength: Int) throws -> [Float] {
        guard heads > 0, rowLength > 0, values.count % (heads * rowLength) == 0 else {
            throw ModelFileError.invalidConfig(
                "cannot unpermute \(values.count) values into \(heads) heads of rows of \(rowLength)")
        }
        let rows = values.count / rowLength
        let headDim = rows / heads
        guard headDim % 2 == 0 else { throw ModelFileError.invalidConfig("head dimension \(headDim) is odd") }
        let half = headDim / 2
        var out = [Float](repeating: 0, count: values.count)
        values.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for h in 0..<heads {
                    for j in 0..<half {
                        for p in 0..<2 {
                            let from = (h * headDim + 2 * j + p) * rowLength
                            let to = (h * headDim + p * half + j) * rowLength
                            for c in 0..<rowLength { dst[to + c] = src[from + c] }
                        }
                    }
                }
            }
        }
        return out
    }
}

/// A GGUF of a supported architecture (`GGUFArchitecture`: llama, qwen2, gemma, gemma2, gemma3, phi3) seen with
/// Hugging Face tensor names and layout: `float32(_:)` dequantises and undoes what llama.cpp's converter changed —
/// the q/k rotary permutation (`llama` only) and Gemma's `1 + w` RMSNorm weights — so results equal the HF
/// checkpoint's tensors. Phi-3's fused `qkv_proj`/`gate_up_proj` are stored as HF stores them. `view(_:)` gives the
/// stored (possibly quantised, still transformed) bytes; check `isTransformed(_:)` before using them as HF values.
public struct GGUFLlamaTensors: TensorFile {
    public let gguf: GGUFFile
    public let config: LlamaConfig
    public let architecture: GGUFArchitecture
    public let tensorNames: [String]
    /// GGUF tensors without an HF counterpart (e.g. `rope_freqs.weight`).
    public let skippedTensors: [String]
    private let ggufName: [String: String]

    /// GGUF architectures with a Hugging Face tensor mapping.
    public static let architectures: Set<String> = Set(GGUFArchitecture.allCases.map(\.rawValue))
    /// Whether llama.cpp's converter permuted this file's q/k rows (`llama` only).
    public var permutesQueryKey: Bool { architecture.permutesQueryKey }

    public init(_ gguf: GGUFFile) throws {
        guard let name = gguf.architecture, let arch = GGUFArchitecture(rawValue: name) else {
            throw ModelFileError.unsupportedArchitecture(
                path: gguf.path, name: "GGUF \(gguf.architecture ?? "(none)")",
                supported: GGUFArchitecture.supportedNames)
        }
        let config = try LlamaConfig(gguf: gguf)
        var names: [String] = []
        var map: [String: String] = [:]
        var skipped: [String] = []
        for n in gguf.tensorNames {
            if let hf = LlamaTensorNames.huggingFaceName(gguf: n, architecture: arch) {
                guard map.updateValue(n, forKey: hf) == nil else {
                    throw ModelFileError.invalidHeader(path: gguf.path, reason: "two tensors map to '\(hf)'")
                }
                names.append(hf)
            } else {
                skipped.append(n)
            }
        }
        for required in [CheckpointLayout.embeddingTensor, "model.norm.weight"] where map[required] == nil {
            throw ModelFileError.invalidHeader(path: gguf.path, reason: "missing tensor for '\(required)'")
        }
        self.gguf = gguf
        self.config = config
        architecture = arch
        tensorNames = names
        ggufName = map
        skippedTensors = skipped
    }

    /// The GGUF name behind an HF name.
    public func ggufName(for name: String) -> String? { ggufName[name] }

    public func info(_ name: String) -> TensorInfo? {
        guard let g = ggufName[name], var i = gguf.info(g) else { return nil }
        i.name = name
        return i
    }

    /// Whether the stored q/k rows are in llama.cpp's rotary order rather than HF's.
    public func isPermuted(_ name: String) -> Bool {
        permutesQueryKey && ggufName[name].flatMap(LlamaTensorNames.permutation(gguf:)) != nil
    }

    /// Whether the stored values differ from the HF tensor's (permuted q/k rows, Gemma's shifted norm weights):
    /// then only `float32(_:)` gives the HF values.
    public func isTransformed(_ name: String) -> Bool {
        isPermuted(name) || ggufName[name].flatMap(architecture.normShift(gguf:)) != nil
    }

    public func view(_ name: String) throws -> TensorView {
        guard let g = ggufName[name] else { throw ModelFileError.tensorNotFound(name: name) }
        let v = try gguf.view(g)
        var i = v.info
        i.name = name
        return TensorView(info: i, bytes: v.bytes, owner: v.owner)
    }

    public func float32(_ name: String) throws -> [Float] {
        guard let g = ggufName[name], let info = gguf.info(g) else { throw ModelFileError.tensorNotFound(name: name) }
        let values = try gguf.float32(g)
        if let shift = architecture.normShift(gguf: g) { return values.map { $0 - shift } }
        guard permutesQueryKey, let perm = LlamaTensorNames.permutation(gguf: g) else { return values }
        let heads = perm == .query ? config.numAttentionHeads : config.numKeyValueHeads
        let rowLength = info.shape.count == 2 ? info.shape[1] : 1
        guard info.shape[0] == heads * config.headDim else {
            throw ModelFileError.invalidConfig(
                "'\(name)' has \(info.shape[0]) rows, expected \(heads) heads × \(config.headDim)")
        }
        return try LlamaTensorNames.unpermuteRows(values, heads: heads, rowLength: rowLength)
    }
}
