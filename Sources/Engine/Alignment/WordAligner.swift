/// The aligners behind `transtok align`, with their default schedules.
public enum AlignerModel: String, CaseIterable, Sendable {
    /// The paper's path: fast_align IBM Model 1 with NULL, `-I 7`.
    case ibm1
    /// fast_align `-d -o -v` (reparameterised IBM 2), 5 passes.
    case fastalign
    /// fast_align IBM 2 (`-d -o -v`, 4 updates) → HMM with jump-width distortion (4 EM iterations), both directions,
    /// symmetrised with grow-diag-final-and unless told otherwise.
    case best
}

public struct WordAlignerConfiguration: Sendable {
    public var model: AlignerModel = .best
    public var reverse = false
    /// Passes of the model (fast_align `-I` for ibm1/fastalign; HMM iterations for best). nil = the default.
    public var iterations: Int? = nil
    /// Combine both directions; nil = one direction (for `best` without `reverse`: grow-diag-final-and).
    public var symmetrize: SymmetrizationMethod? = nil
    public var threads = 1
    public var hmm = HMMOptions()
    public init() {}
}

public struct WordAlignmentResult: Sendable {
    /// Links per sentence pair in file orientation, sorted for symmetrised output, token order otherwise.
    public var links: [[AlignmentLink]]
    /// The lexical table of the forward (or, with `reverse`, the reverse) IBM/fast_align model.
    public var table: LexicalTable
    public var forward: [[AlignmentLink]]?
    public var reverse: [[AlignmentLink]]?
}

public enum WordAligner {
    public static func align(_ corpus: ParallelCorpus, _ config: WordAlignerConfiguration) throws -> WordAlignmentResult
    {
        if let n = config.iterations, n < 1 {
            throw AlignmentError.invalidArgument("iterations must be at least 1, got \(n)")
        }
        // `best` symmetrises by default; asking for `reverse` alone gives that single direction.
        let symmetrize = config.symmetrize ?? (config.model == .best && !config.reverse ? .growDiagFinalAnd : nil)
        if let method = symmetrize {
            let (f, tf) = try direction(corpus, config, reverse: false)
            let (r, tr) = try direction(corpus, config, reverse: true)
            return WordAlignmentResult(
                links: Symmetrizer.combine(forward: f, reverse: r, method: method),
                table: config.reverse ? tr : tf, forward: f, reverse: r)
        }
        let (links, table) = try direction(corpus, config, reverse: config.reverse)
        return WordAlignmentResult(
            links: links, table: table, forward: config.reverse ? nil : links, reverse: config.reverse ? links : nil)
    }

    /// One direction: Pharaoh links in file orientation and the lexical table.
    public static func direction(_ corpus: ParallelCorpus, _ config: WordAlignerConfiguration, reverse: Bool) throws
        -> ([[AlignmentLink]], LexicalTable)
    {
        var options: FastAlignOptions
        switch config.model {
        case .ibm1:
            options = .paperModel1
            if let n = config.iterations { options.iterations = n }
        case .fastalign:
            options = .fastAlign
            if let n = config.iterations { options.iterations = n }
        case .best:
            options = .fastAlign
        }
        options.reverse = reverse
        options.threads = config.threads
        let ibm = FastAlignModel(corpus: corpus, options: options)
        ibm.train()
        guard config.model == .best else { return (ibm.align(), ibm.lexicalTable()) }
        var hmmOptions = config.hmm
        hmmOptions.reverse = reverse
        hmmOptions.threads = config.threads
        if let n = config.iterations { hmmOptions.iterations = n }
        let hmm = try HMMModel(initializedFrom: ibm, options: hmmOptions)
        hmm.train()
        return (hmm.align(), ibm.lexicalTable())
    }
}
