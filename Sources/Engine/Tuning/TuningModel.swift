/// A model prepared for embedding tuning: the frozen body (F32) and the two tables that train, the input embedding
/// `[inputVocabularySize, hidden]` and, when the model has an untied head, the head `[outputVocabularySize, hidden]`.
/// With a tied head the head is the first `outputVocabularySize` rows of the input table, and its gradient lands
/// on those rows. Only `trainableInputRows` of the input table change (all of it for a trans-tokenized model; the
/// target block `0..<hydraSourceOffset` of a Hydra table, whose source block stays the original model's).
public final class TuningModel: @unchecked Sendable {
    public let config: DecoderConfig
    let body: FrozenBody
    let rotary: RotaryEmbedding
    let embedding: FloatBuffer
    let head: FloatBuffer?
    public let trainableInputRows: Range<Int>

    /// `config`'s vocabulary sizes must match the tables: `embedding.rows == inputVocabularySize`, and `head.rows ==
    /// outputVocabularySize` (untied) or `head == nil` (tied).
    init(
        config: DecoderConfig, body: FrozenBody, embedding: EmbeddingMatrix, head: EmbeddingMatrix?,
        trainableInputRows: Range<Int>? = nil
    ) throws {
        try config.validate()
        guard config.isPlainLlamaBlock else {
            throw TuningError.invalidOptions(
                "embedding tuning supports Llama-block models (llama, mistral, qwen2, phi3 without LongRoPE), not Gemma norms, soft-capping, per-layer windows or LongRoPE"
            )
        }
        let h = config.hiddenSize
        guard embedding.columns == h, embedding.rows == config.inputVocabularySize else {
            throw TuningError.shapeMismatch(
                tensor: "model.embed_tokens.weight", expected: [config.inputVocabularySize, h],
                found: [embedding.rows, embedding.columns])
        }
        if let head {
            guard !config.tiedEmbeddings else {
                throw TuningError.invalidOptions(
                    "the configuration ties the head to the embedding but a separate head table was given")
            }
            guard head.columns == h, head.rows == config.outputVocabularySize else {
                throw TuningError.shapeMismatch(
                    tensor: "lm_head.weight", expected: [config.outputVocabularySize, h],
                    found: [head.rows, head.columns])
            }
        } else if !config.tiedEmbeddings {
            throw TuningError.missingTensor("lm_head.weight")
        }
        let rows = trainableInputRows ?? 0..<(config.hydraSourceOffset ?? config.inputVocabularySize)
        guard rows.lowerBound >= 0, rows.upperBound <= config.inputVocabularySize else {
            throw TuningError.invalidOptions(
                "trainable rows \(rows) are outside the input table 0..<\(config.inputVocabularySize)")
        }
        self.config = config
        self.body = body
        self.rotary = RotaryEmbedding(headDim: config.headDim, rope: config.rope)
        self.embedding = FloatBuffer(embedding.values)
        self.head = head.map { FloatBuffer($0.values) }
        self.trainableInputRows = rows
    }

    /// The body from a model file (HF tensor names), the trainable tables given (e.g. a trans-tokenized
    /// initialisation). `config` is the source model's; its vocabulary sizes are replaced by the tables' own.
    public convenience init(
        config source: DecoderConfig, tensors: any TensorFile, embedding: EmbeddingMatrix,
        head: EmbeddingMatrix?, trainableInputRows: Range<Int>? = nil
    ) throws {
        var config = source
        config.inputVocabularySize = embedding.rows
        config.outputVocabularySize = head?.rows ?? (source.isHydra ? source.outputVocabularySize : embedding.rows)
        config.tiedEmbeddings = head == nil
        let body = try FrozenBody(config: config, tensors: tensors)
        try self.init(
            config: config, body: body, embedding: embedding, head: head, trainableInputRows: trainableInputRows)
    }

    /// Whether the model has its own head table (which then trains too).
    public var hasUntiedHead: Bool { head != nil }

    /// The current input table.
    public func embeddingMatrix() -> EmbeddingMatrix {
        // The shape was checked at init, so the throwing initialiser cannot fail here.
        (try? EmbeddingMatrix(rows: config.inputVocabularySize, columns: config.hiddenSize, values: embedding.array))
            ?? EmbeddingMatrix(zeros: config.inputVocabularySize, columns: config.hiddenSize)
    }

    /// The current untied head, or nil for a tied model (its head is the input table's first rows).
    public func headMatrix() -> EmbeddingMatrix? {
        head.map { h in
            (try? EmbeddingMatrix(rows: config.outputVocabularySize, columns: config.hiddenSize, values: h.array))
                ?? EmbeddingMatrix(zeros: config.outputVocabularySize, columns: config.hiddenSize)
        }
    }

    /// The head the forward pass reads: the untied table, or the input table's first rows.
    var headPointer: UnsafeMutablePointer<Float> { head?.pointer ?? embedding.pointer }
}
