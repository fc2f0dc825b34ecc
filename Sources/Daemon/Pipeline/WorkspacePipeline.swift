import Engine
import Entities
import Foundation
import Logging
import Store

/// One workspace's refresh cycle: new pair events → word units → incremental alignment → token mapping →
/// recompute only the embedding rows whose weights changed → a new checkpoint. Runs on the pipeline's own thread
/// (never the cooperative pool); not thread-safe by itself.
final class WorkspacePipeline {
    let workspaceID: Int64
    let store: Store
    let publisher: CheckpointPublisher
    let stateDirectory: String
    let logger: Logger
    let threads: Int

    private var loaded: Loaded?
    /// Digests of the hard-linked base weights, so each checkpoint does not hash them again.
    private let digests = FileDigestCache()
    /// The unchanging body tensors as one file, hard-linked into every checkpoint (opened at the first one).
    private var base: (any TensorFile)?

    /// Everything derived from the source model, the frozen target tokenizer and the corpus so far.
    private struct Loaded {
        var spec: WorkspaceSpec
        var model: SourceModel
        var target: Tokenizer
        var targetTokenizerPath: String
        var transfer: TransferPipeline
        /// The mapping's vocabulary-only parts (heuristic counts, smoother, fallback rows), computed once per load.
        var preparedVocabularies: PreparedVocabularies
        var aligner: IncrementalAligner
        var appliedSeq: Int64
        var generation: Int
        var sourceLexicon: WordUnitLexicon
        var targetLexicon: WordUnitLexicon
        /// Every unit the lexicons hold, rendered, by its ids: a cycle renders only units it has not seen before.
        var renderedUnits = RenderedUnits()
        var mapping: TokenMapping?
        var embedding: EmbeddingMatrix?
        var head: EmbeddingMatrix?
        /// Bytes of the saved alignment snapshot and of the change records saved after it (the compaction policy).
        var savedSnapshotBytes = 0
        var savedChangeBytes = 0
    }

    /// What the background save wrote (a snapshot, or a change record of `changeBytes`) and its steps' times.
    private struct SavedAlignment: Sendable {
        var snapshotBytes: Int?
        var changeBytes = 0
        var steps: [(name: String, seconds: Double)] = []
    }

    struct Outcome: Sendable {
        var checkpoint: CheckpointRecord?
        var pairsAdded: Int
        var pairsRetracted: Int
        var rowsRecomputed: Int
        var seconds: Double
        /// Wall seconds per step, in order (for the log, the manifest statistics and the benchmark).
        var steps: [(name: String, seconds: Double)]
    }

    init(workspaceID: Int64, store: Store, publisher: CheckpointPublisher, stateDirectory: String, logger: Logger, threads: Int) {
        self.workspaceID = workspaceID
        self.store = store
        self.publisher = publisher
        self.stateDirectory = stateDirectory
        self.logger = logger
        self.threads = threads
    }

    /// Pair events not yet in the alignment, and whether the newest alignment still lacks a checkpoint.
    /// After a tokenizer reset there is no alignment state: every event is pending again.
    func pending() throws -> (events: Int64, checkpointMissing: Bool) {
        let applied = try store.alignmentAppliedSeq(workspaceID: workspaceID) ?? 0
        let latest = try store.latestPairEvent(workspaceID: workspaceID)
        let checkpointed = try store.checkpoints(workspaceID: workspaceID).first?.appliedSeq ?? 0
        return (latest - applied, applied > checkpointed)
    }

    /// Runs one cycle. `progress` receives (fraction, step) for status. After a failure the in-memory state is
    /// dropped and the next cycle reloads it from the store: the aligner is mutated in place, so keeping it would
    /// apply the failed cycle's pair events a second time.
    func refresh(keepCheckpoints: Int, progress: (Double, String) -> Void) throws -> Outcome {
        do {
            return try runCycle(keepCheckpoints: keepCheckpoints, progress: progress)
        } catch {
            loaded = nil
            throw error
        }
    }

    private func runCycle(keepCheckpoints: Int, progress: (Double, String) -> Void) throws -> Outcome {
        let started = Date()
        var clock = StepClock()
        progress(0.05, "loading model and tokenizers")
        var state = try load()
        // The cycle owns the state until it stores it back at the end (a failed cycle reloads it): without a second
        // reference, the large tables it grows (lexicons, rendered units, embedding rows) are changed in place
        // instead of copied.
        loaded = nil
        clock.lap("load")

        // 1. New pair events → alignment. Additions form one new batch; a retraction rebuilds the alignment from the
        //    active pairs (the aligner retracts whole batches, and retractions are rare next to additions). Only the
        //    forward direction is updated here: the mapping reads nothing else. The reverse direction is updated
        //    beside the mapping, below.
        let events = try store.pairEvents(workspaceID: workspaceID, after: state.appliedSeq, limit: Int.max)
        let added = events.filter(\.isAddition)
        let retracted = events.count - added.count
        var reverseUpdate: (@Sendable () -> Void)?
        if retracted > 0 {
            progress(0.2, "re-aligning after \(retracted) retracted pairs")
            let all = try store.activePairs(workspaceID: workspaceID)
            state.aligner = IncrementalAligner(options: Self.alignerOptions(threads: threads))
            state.sourceLexicon = WordUnitLexicon()
            state.targetLexicon = WordUnitLexicon()
            state.renderedUnits = RenderedUnits()  // (known units would not be recorded into the new lexicons)
            reverseUpdate = try align(all, batch: Int(events.last?.seq ?? 0), into: &state, clock: &clock)
        } else if !added.isEmpty {
            progress(0.2, "aligning \(added.count) new pairs")
            reverseUpdate = try align(added.map { (source: $0.source, target: $0.target) }, batch: Int(added[0].seq), into: &state, clock: &clock)
        }
        if let last = events.last?.seq { state.appliedSeq = last }
        state.generation += 1
        clock.lap("align")
        // The reverse direction's update, then saving the alignment state, run on their own thread while the
        // mapping and the checkpoint are built (those read only the forward direction, which nothing mutates before
        // the join). The join comes before the checkpoint is published: the alignment (with its event position) is
        // always durable before a checkpoint that reflects it. The save is a change record (what this cycle
        // touched, a few percent of the state) on top of the last snapshot; a full snapshot only when there is
        // none to build on (first cycle, after a retraction). Compaction happens after the publish, below.
        let (store, workspaceID, aligner) = (self.store, self.workspaceID, state.aligner)
        let (generation, appliedSeq, lastSnapshotBytes) = (state.generation, state.appliedSeq, state.savedSnapshotBytes)
        let saving = BackgroundJob(name: "transtok-save-alignment") { [reverseUpdate] () throws -> SavedAlignment in
            var clock = StepClock()
            if let reverseUpdate {
                reverseUpdate()
                clock.lap("align reverse direction (background)")
            }
            var saved = SavedAlignment()
            // A record larger than the last snapshot (a small corpus, where the update touched nearly all of it) is
            // not worth keeping beside one: the snapshot is written instead.
            if let changes = aligner.serializedChanges(), changes.count <= lastSnapshotBytes {
                try store.appendAlignmentChanges(
                    workspaceID: workspaceID, generation: generation, appliedSeq: appliedSeq,
                    pairCount: aligner.sentenceCount, changes: changes)
                saved.changeBytes = changes.count
            } else {
                let snapshot = aligner.serialized()
                try store.saveAlignmentState(workspaceID: workspaceID, AlignmentStateRecord(
                    generation: generation, appliedSeq: appliedSeq, pairCount: aligner.sentenceCount, state: snapshot))
                aligner.markSaved()
                saved.snapshotBytes = snapshot.count
            }
            clock.lap("save alignment state (background)")
            saved.steps = clock.laps
            return saved
        }
        var savingJoined = false
        defer { if !savingJoined { _ = try? saving.wait() } }  // a failed cycle still lets the save finish first

        // 2. Mapping from the soft counts of the whole corpus.
        progress(0.5, "mapping tokens")
        var lexicons = WordUnitCorpus(codec: state.transfer.codec)
        lexicons.sourceLexicon = state.sourceLexicon
        lexicons.targetLexicon = state.targetLexicon
        // Only the pairs the mapping keeps (no NULL word, count ≥ minCount), computed in ids by the aligner.
        let alignedPairs = state.aligner.alignedWordPairs(minCount: state.transfer.options.minCount)
        let (mapping, report) = state.transfer.mapper(lexicons, reusing: state.preparedVocabularies).build(from: alignedPairs)
        clock.lap("map")

        // 3. Only rows whose weights changed are recomputed.
        progress(0.65, "refreshing embedding rows")
        let remapper = EmbeddingRemapper(kernel: .saxpy, parallelism: threads)
        let changed = state.mapping.map { mapping.changedTargetIDs(comparedTo: $0) } ?? Array(mapping.rows.indices)
        if var embedding = state.embedding, state.mapping != nil {
            state.embedding = nil  // (one reference: the rows are changed in place)
            try remapper.remapRows(changed, of: state.model.embedding, mapping: mapping, into: &embedding)
            state.embedding = embedding
            if var head = state.head, let sourceHead = state.model.head {
                state.head = nil
                try remapper.remapRows(changed, of: sourceHead, mapping: mapping, into: &head)
                state.head = head
            }
        } else {
            state.embedding = try remapper.remap(state.model.embedding, mapping: mapping)
            state.head = try state.model.head.map { (h) throws(TransferError) in try remapper.remap(h, mapping: mapping) }
        }
        state.mapping = mapping
        clock.lap("refresh rows")

        // 4. Checkpoint: HF directory (target tokenizer, the new embedding/head rows in their own shard, the body
        //    hard-linked from the base weights) + manifest, atomic.
        progress(0.8, "writing checkpoint")
        let outputDType = state.model.outputDType(state.spec.outputDType.flatMap(OutputDType.init(name:)) ?? .auto)
        let base: any TensorFile
        if let opened = self.base {
            base = opened
        } else {
            base = try BaseWeights.open(
                model: state.model, sourcePath: state.spec.sourceModel,
                workspaceDirectory: stateDirectory + "/workspaces/\(state.spec.name)", dtype: outputDType, logger: logger)
            self.base = base
            clock.lap("write base weights (once)")
        }
        let number = try store.nextCheckpointNumber(workspaceID: workspaceID)
        let temporary = try publisher.beginCheckpoint(workspace: state.spec.name, number: number)
        // A cycle that fails from here on (a full disk, a failed save) removes its unfinished directory at once,
        // not only at the next start. After a successful publish the temporary path no longer exists.
        defer { publisher.discard(temporary: temporary) }
        guard let embedding = state.embedding else { throw CheckpointError("no embedding rows") }
        var replacements: [String: (shape: [Int], values: [Float])] = [
            CheckpointLayout.embeddingTensor: ([embedding.rows, embedding.columns], embedding.values)
        ]
        if let head = state.head, !state.model.config.tieWordEmbeddings {
            replacements[CheckpointLayout.headTensor] = ([head.rows, head.columns], head.values)
        }
        let bundle = try HFTokenizerBundle(targetTokenizer: state.targetTokenizerPath, tokenizer: state.target)
        _ = try HFModelDirectoryWriter(outputDType: outputDType).write(
            to: URL(fileURLWithPath: temporary), config: state.model.config, tokenizer: bundle,
            source: base, replacements: replacements)
        try TokenMappingFile.write(mapping, to: CheckpointLayout.url(CheckpointLayout.tokenMapping, in: URL(fileURLWithPath: temporary)))
        try CheckpointLayout.writeSourceTokenizer(json: state.model.tokenizerJSON, into: URL(fileURLWithPath: temporary))
        clock.lap("write checkpoint")
        savingJoined = true
        let saved = try saving.wait()
        clock.lap("wait for the alignment state to be saved")
        if let snapshot = saved.snapshotBytes {
            (state.savedSnapshotBytes, state.savedChangeBytes) = (snapshot, 0)
        } else {
            state.savedChangeBytes += saved.changeBytes
        }
        let statistics = clock.statistics.merging(StepClock.statistics(of: saved.steps)) { a, _ in a }
        let parent = try store.checkpoints(workspaceID: workspaceID).first?.number
        let record = try publisher.publish(
            temporary: temporary, workspaceID: workspaceID, workspace: state.spec.name, number: number, parent: parent,
            sourceModel: state.spec.sourceModel, targetTokenizer: state.targetTokenizerPath,
            pairs: state.aligner.sentenceCount,  // the pairs it was built from, not those ingested during the cycle
            appliedSeq: state.appliedSeq,
            statistics: [
                "applied_seq": Double(state.appliedSeq), "alignment_generation": Double(state.generation),
                "aligned_sentences": Double(state.aligner.sentenceCount), "rows_recomputed": Double(changed.count),
                "target_vocabulary": Double(state.target.vocabularySize),
                "mapped_directly": Double(report.directlyMapped), "smoothed": Double(report.smoothed),
                "unmapped": Double(report.unmappedCount), "coverage": report.coverage,
                "alignment_snapshot_bytes": Double(state.savedSnapshotBytes),
                "alignment_change_bytes": Double(state.savedChangeBytes),
            ].merging(statistics) { a, _ in a },
            digests: digests)
        clock.lap("publish")
        try publisher.applyRetention(workspaceID: workspaceID, keep: keepCheckpoints)
        // Compaction, after the checkpoint is out: once the change records outweigh half the snapshot, one snapshot
        // replaces them (loading replays every record, and each holds counts that later ones overwrite).
        // A failed compaction leaves the snapshot and its records as they were (still complete): it is logged and
        // tried again after the next cycle, not a failure of this one, whose checkpoint is already out.
        if state.savedChangeBytes > state.savedSnapshotBytes / 2 {
            progress(0.95, "compacting the alignment state")
            let snapshot = state.aligner.serialized()
            do {
                try store.saveAlignmentState(workspaceID: workspaceID, AlignmentStateRecord(
                    generation: state.generation, appliedSeq: state.appliedSeq, pairCount: state.aligner.sentenceCount,
                    state: snapshot))
                state.aligner.markSaved()
                (state.savedSnapshotBytes, state.savedChangeBytes) = (snapshot.count, 0)
            } catch {
                logger.warning("cannot compact the alignment state; keeping its change records", metadata: [
                    "workspace": "\(state.spec.name)", "error": "\(error)",
                ])
            }
            clock.lap("compact the alignment state (after publishing)")
        }
        loaded = state
        progress(1, "checkpoint \(number) published")
        return Outcome(
            checkpoint: record, pairsAdded: retracted > 0 ? 0 : added.count, pairsRetracted: retracted,
            rowsRecomputed: changed.count, seconds: Date().timeIntervalSince(started), steps: clock.laps)
    }

    /// Top translations of `word` from the current alignment (source→target, or target→source with `reverse`).
    func lookup(_ word: String, reverse: Bool, limit: Int) throws -> [(translation: String, probability: Double, count: Double)] {
        let state = try load()
        var probe = WordUnitCorpus(codec: state.transfer.codec)
        let (s, t) = state.transfer.splitters()
        probe.append(source: word, target: word, sourceSplitter: s, targetSplitter: t)
        guard let units = probe.sentences.first else { return [] }
        // NULL alignments (`<eps>`) are the aligner's bookkeeping, not translations.
        let table = state.aligner.lexicalTable(beam: nil)
        let rows = table.rows.filter { $0.source != "<eps>" && $0.target != "<eps>" }
        func text(_ rendered: String, _ lexicon: WordUnitLexicon, _ tokenizer: Tokenizer) -> String {
            guard let ids = lexicon[rendered] else { return rendered }
            return tokenizer.decode(ids, skipSpecialTokens: true).trimmingCharacters(in: .whitespaces)
        }
        if reverse {
            let matches = rows.filter { units.target.contains($0.target) }
            let total = matches.reduce(0) { $0 + $1.count }
            return matches.sorted { $0.count > $1.count }.prefix(limit).map {
                (text($0.source, state.sourceLexicon, state.model.tokenizer), total > 0 ? $0.count / total : 0, $0.count)
            }
        }
        return rows.filter { units.source.contains($0.source) }.sorted { $0.logProbability > $1.logProbability }.prefix(limit).map {
            (text($0.target, state.targetLexicon, state.target), exp($0.logProbability), $0.count)
        }
    }

    /// A Hydra model directory for the current state (input table `[E_tgt ; E_src]`, head `U_tgt`), written once
    /// per checkpoint under `<state>/hydra/<workspace>/<number>` (outside the checkpoint, whose manifest is final).
    func hydraDirectory(for checkpoint: CheckpointRecord) throws -> (path: String, sourceLanguage: String, targetLanguage: String) {
        let state = try load()
        let path = stateDirectory + "/hydra/\(state.spec.name)/\(CheckpointPublisher.name(for: checkpoint.number))"
        if !FileManager.default.fileExists(atPath: path + "/" + CheckpointLayout.config) {
            guard let embedding = state.embedding else { throw CheckpointError("no refreshed rows yet") }
            try FileManager.default.createDirectory(
                atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            let bundle = try HFTokenizerBundle(targetTokenizer: state.targetTokenizerPath, tokenizer: state.target)
            try HydraWriter.write(
                to: URL(fileURLWithPath: path), config: state.model.config, source: base ?? state.model.tensors, target: embedding,
                targetHead: state.head, sourceEmbedding: state.model.embedding, tokenizer: bundle,
                dtype: state.model.outputDType(state.spec.outputDType.flatMap(OutputDType.init(name:)) ?? .auto), sourceTokenizerJSON: state.model.tokenizerJSON)
            // Older Hydra directories of this workspace are no longer needed.
            let parent = (path as NSString).deletingLastPathComponent
            for name in (try? FileManager.default.contentsOfDirectory(atPath: parent)) ?? [] where name != (path as NSString).lastPathComponent {
                try? FileManager.default.removeItem(atPath: parent + "/" + name)
            }
        }
        return (path, state.spec.sourceLanguage, state.spec.targetLanguage)
    }

    // MARK: loading

    private func load() throws -> Loaded {
        if let loaded { return loaded }
        guard let workspace = try store.workspaces().first(where: { $0.id == workspaceID }) else {
            throw CheckpointError("workspace \(workspaceID) no longer exists")
        }
        let model = try SourceModel(path: workspace.spec.sourceModel)
        let tokenizerPath = try targetTokenizer(for: workspace)
        let target = try Tokenizer(contentsOf: URL(fileURLWithPath: tokenizerPath))
        let transfer = try TransferPipeline(source: model.tokenizer, target: target, options: MappingOptions())
        var state = Loaded(
            spec: workspace.spec, model: model, target: target, targetTokenizerPath: tokenizerPath, transfer: transfer,
            preparedVocabularies: transfer.prepareVocabularies(),
            aligner: IncrementalAligner(options: Self.alignerOptions(threads: threads)), appliedSeq: 0, generation: 0,
            sourceLexicon: WordUnitLexicon(), targetLexicon: WordUnitLexicon())
        if let saved = try savedAlignment(), let aligner = try restoreAligner(saved) {
            state.aligner = aligner
            state.appliedSeq = saved.appliedSeq
            state.generation = saved.generation
            (state.savedSnapshotBytes, state.savedChangeBytes) = (saved.snapshotBytes, saved.changeBytes)
            // The lexicons (word unit → token ids) are derived data: rebuilt from the active pairs, not stored.
            let corpus = transfer.wordUnits(try store.activePairs(workspaceID: workspaceID).map { ($0.source, $0.target) }, threads: threads)
            state.sourceLexicon = corpus.sourceLexicon
            state.targetLexicon = corpus.targetLexicon
            state.renderedUnits = corpus.rendered
            // The rows of the last checkpoint, so `translate` answers after a restart without waiting for new data.
            restoreRows(into: &state)
        }
        loaded = state
        return state
    }

    /// The saved alignment state, or nil when there is none or it cannot be used (a file missing, truncated or
    /// failing its checksum): then the row is forgotten (logged), every pair event is pending again, and the
    /// next cycle realigns the corpus from the store — the corpus is the truth.
    private func savedAlignment() throws -> AlignmentStateRecord? {
        do {
            return try store.alignmentState(workspaceID: workspaceID)
        } catch let error as AlignmentStateUnreadable {
            try forgetUnreadableState(error)
            return nil
        }
    }

    private func forgetUnreadableState(_ error: any Error) throws {
        logger.error("the saved alignment state cannot be used; rebuilding it from the corpus", metadata: [
            "workspace.id": "\(workspaceID)", "error": "\(error)",
        ])
        try store.forgetAlignmentState(workspaceID: workspaceID)
    }

    /// Loads the embedding (and untied head) rows of the newest checkpoint when it was built with this workspace's
    /// target tokenizer and the shapes match; otherwise the rows stay empty until the next cycle computes them.
    private func restoreRows(into state: inout Loaded) {
        do {
            guard let latest = try store.checkpoints(workspaceID: workspaceID).first,
                let manifestData = FileManager.default.contents(atPath: latest.path + "/manifest.json")
            else { return }
            let manifest = try JSONDecoder().decode(CheckpointManifest.self, from: manifestData)
            guard manifest.targetTokenizer == state.targetTokenizerPath else { return }
            let tensors = try TensorFiles.open(path: latest.path)
            let columns = state.model.embedding.columns
            func matrix(_ name: String) throws -> EmbeddingMatrix? {
                guard let info = tensors.info(name), info.shape == [state.target.vocabularySize, columns] else { return nil }
                return try EmbeddingMatrix(rows: info.shape[0], columns: columns, values: tensors.float32(name))
            }
            guard let embedding = try matrix("model.embed_tokens.weight") else { return }
            let head = state.model.head == nil ? nil : try matrix("lm_head.weight")
            if state.model.head != nil, head == nil { return }
            state.embedding = embedding
            state.head = head
            logger.info("restored the refreshed rows of the last checkpoint", metadata: [
                "workspace.id": "\(workspaceID)", "checkpoint.number": "\(latest.number)",
            ])
        } catch {
            logger.warning("cannot restore the rows of the last checkpoint; the next cycle recomputes them", metadata: [
                "workspace.id": "\(workspaceID)", "error": "\(error)",
            ])
        }
    }

    /// The saved aligner, or nil when it cannot be decoded (the decoder bounds-checks every offset): the row is
    /// forgotten with a logged error and every pair is aligned afresh, which loses nothing (the pairs and their
    /// events are in the store).
    private func restoreAligner(_ saved: AlignmentStateRecord) throws -> IncrementalAligner? {
        do {
            return try IncrementalAligner(serialized: saved.state, changes: saved.changes, threads: threads)
        } catch {
            try forgetUnreadableState(error)
            return nil
        }
    }

    /// The workspace's target tokenizer; trained from the target side of the corpus the first time when none was
    /// given, then frozen (recorded in the store; retraining is an explicit, versioned action).
    private func targetTokenizer(for workspace: WorkspaceRecord) throws -> String {
        if let path = workspace.spec.targetTokenizer { return path }
        let directory = stateDirectory + "/workspaces/\(workspace.spec.name)/tokenizer-v\(workspace.tokenizerVersion + 1)"
        // The target side of the parallel corpus, plus any monolingual target text (`monolingual_dirs`).
        var lines = try store.activePairs(workspaceID: workspaceID).map(\.target)
        let parser = CorpusParser()
        for directory in workspace.spec.monolingualDirectories {
            for file in CorpusController.listFiles(under: directory) where !(file as NSString).lastPathComponent.hasPrefix(".") {
                guard let data = try? parser.read(path: file), let text = try? TextLines.split(data, limits: parser.limits) else {
                    logger.warning("monolingual file skipped (unreadable or not UTF-8 text)", metadata: ["file.path": "\(file)"])
                    continue
                }
                lines += text.map(\.text).filter { !$0.isEmpty }
            }
        }
        guard lines.count >= 100 else { throw CheckpointError("need at least 100 lines of target text to train a tokenizer") }
        logger.info("training the target tokenizer", metadata: ["workspace": "\(workspace.spec.name)", "lines": "\(lines.count)"])
        var options = TokenizerTrainingOptions(kind: .sentencePieceBPE, vocabSize: 16_000)
        options.threads = threads
        let trained = try TokenizerTrainer.train(lines: lines, options: options)
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try trained.write(to: URL(fileURLWithPath: directory))
        let path = directory + "/" + CheckpointLayout.tokenizer
        try store.setTargetTokenizer(workspaceID: workspaceID, path: path)
        return path
    }

    /// Word units of `pairs`, added as one batch to the forward direction; returns the reverse direction's update
    /// (nil when the aligner has none).
    private func align(
        _ pairs: [(source: String, target: String)], batch: Int, into state: inout Loaded, clock: inout StepClock
    ) throws -> (@Sendable () -> Void)? {
        let corpus = state.transfer.wordUnits(pairs.map { ($0.source, $0.target) }, threads: threads, known: state.renderedUnits)
        for (unit, ids) in corpus.sourceLexicon.units { state.sourceLexicon.record(unit, ids) }
        for (unit, ids) in corpus.targetLexicon.units { state.targetLexicon.record(unit, ids) }
        state.renderedUnits.merge(corpus.rendered)
        clock.lap("word units")
        return try state.aligner.addForwardFirst(batch: batch, corpus.parallelCorpus)
    }

    static func alignerOptions(threads: Int) -> IncrementalOptions {
        var options = IncrementalOptions()
        options.reverseDirection = false  // the mapping and lookups read only the forward table
        options.threads = threads
        return options
    }
}
