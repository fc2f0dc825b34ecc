/// Batches for tuning with distillation: the batches of an inner source (chunks of target-tokenizer ids), each
/// sequence annotated with what the source model computes reading the same text with its own tokenizer. The
/// sequence's bytes are re-encoded with the source tokenizer; wherever a target token and a source token end at
/// the same byte, the source model's final-normed hidden state there is the target for the tuned model's state at
/// that position (both have read exactly the same text, so both should predict the same continuation). The
/// teacher shares the tuned model's frozen body (no second copy) and runs forward only; its CPU time is spent
/// inside `nextBatch`, so a tuning budget includes it.
public struct DistillationStream<Inner: TuningBatchSource>: TuningBatchSource {
    private var inner: Inner
    private let teacher: TuningModel
    private let workspace: TrainingWorkspace
    private let targetCodec: any TokenCodec
    private let sourceCodec: any TokenCodec
    /// Sequences whose text is not valid UTF-8 on its own (a chunk cut inside a character) or whose source
    /// tokens do not spell the same bytes get no targets.
    public private(set) var sequencesWithoutTargets = 0
    public private(set) var pairedPositions = 0

    /// `student`: the model being tuned (its body is shared); `sourceEmbedding`: the source model's input table,
    /// read by `sourceCodec`'s ids; `maxSourceLength`: source tokens per sequence at most (longer ones are cut).
    public init(
        inner: Inner, student: TuningModel, sourceEmbedding: EmbeddingMatrix, targetCodec: any TokenCodec,
        sourceCodec: any TokenCodec, maxSourceLength: Int
    ) throws {
        var config = student.config
        config.inputVocabularySize = sourceEmbedding.rows
        config.outputVocabularySize = sourceEmbedding.rows
        config.tiedEmbeddings = true
        config.hydraSourceOffset = nil
        let length = min(maxSourceLength, config.maxPositions)
        guard length >= 1 else {
            throw TuningError.invalidOptions("distillation needs a source length ≥ 1, found \(maxSourceLength)")
        }
        teacher = try TuningModel(config: config, body: student.body, embedding: sourceEmbedding, head: nil)
        workspace = TrainingWorkspace(config: config, sequences: 1, length: length, forwardOnly: true)
        self.inner = inner
        self.targetCodec = targetCodec
        self.sourceCodec = sourceCodec
    }

    public mutating func nextBatch() throws -> TokenBatch? {
        guard var batch = try inner.nextBatch() else { return nil }
        var targets: [DistillationTargets] = []
        for sequence in batch.sequences { targets.append(try self.targets(for: sequence)) }
        batch.teacher = targets
        return batch
    }

    /// Positions of `sequence` paired with the source model's states at the same byte.
    mutating func targets(for sequence: [Int]) throws -> DistillationTargets {
        var ends: [Int] = [], bytes: [UInt8] = []
        for id in sequence {
            bytes += targetCodec.tokenBytes(id)
            ends.append(bytes.count)
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            sequencesWithoutTargets += 1
            return DistillationTargets(positions: [], states: [])
        }
        var source = sourceCodec.encodeIDs(text)
        var sourceEnds: [Int] = [], total = 0
        for id in source {
            total += sourceCodec.tokenBytes(id).count
            sourceEnds.append(total)
        }
        guard total == bytes.count, !source.isEmpty else {
            sequencesWithoutTargets += 1
            return DistillationTargets(positions: [], states: [])
        }
        if source.count > workspace.length {
            source = Array(source.prefix(workspace.length))
            sourceEnds = Array(sourceEnds.prefix(workspace.length))
        }
        var sourceIndex: [Int: Int] = [:]
        for (q, e) in sourceEnds.enumerated() { sourceIndex[e] = q }
        var positions: [Int] = [], sourcePositions: [Int] = []
        for (p, e) in ends.enumerated() {
            if let q = sourceIndex[e] {
                positions.append(p)
                sourcePositions.append(q)
            }
        }
        guard !positions.isEmpty else {
            sequencesWithoutTargets += 1
            return DistillationTargets(positions: [], states: [])
        }
        let h = teacher.config.hiddenSize
        let states = try TrainingPass.normedStates(model: teacher, tokens: source, workspace: workspace)
        var picked = [Float]()
        picked.reserveCapacity(positions.count * h)
        for q in sourcePositions { picked += states[(q * h)..<((q + 1) * h)] }
        pairedPositions += positions.count
        return DistillationTargets(positions: positions, states: picked)
    }
}
