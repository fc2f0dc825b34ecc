/// `POST /v1/workspaces` body: create a workspace. On an existing name the request must be identical (409 conflict
/// otherwise, naming the key); the model, tokenizer and folders are checked before anything is saved.
public struct WorkspaceRequest: Codable, Sendable, Equatable {
    public var name: String
    public var sourceLanguage: String
    public var targetLanguage: String
    public var sourceModel: String
    public var targetTokenizer: String?
    public var parallelDirectories: [String]
    public var monolingualDirectories: [String]?
    public var remote: String?
    /// Create missing watched folders (otherwise a folder that does not exist is refused).
    public var createDirectories: Bool?
    /// Output dtype of checkpoints: `auto` (default), `f32`, `f16`, `bf16`.
    public var dtype: String?
    /// Incremental aligner model: `ibm2` (default) or `ibm2-hmm`.
    public var aligner: String?

    public init(
        name: String, sourceLanguage: String, targetLanguage: String, sourceModel: String,
        targetTokenizer: String? = nil, parallelDirectories: [String], monolingualDirectories: [String]? = nil,
        remote: String? = nil, createDirectories: Bool? = nil, dtype: String? = nil, aligner: String? = nil
    ) {
        self.aligner = aligner
        self.createDirectories = createDirectories
        self.name = name
        self.sourceLanguage = sourceLanguage
        self.targetLanguage = targetLanguage
        self.sourceModel = sourceModel
        self.targetTokenizer = targetTokenizer
        self.parallelDirectories = parallelDirectories
        self.monolingualDirectories = monolingualDirectories
        self.remote = remote
        self.dtype = dtype
    }
}

/// `POST /v1/workspaces/{name}/rebuild` body: the explicit way to change state a workspace was built from. Every
/// given field is checked first; then the alignment is forgotten and the next cycle realigns the whole corpus.
public struct WorkspaceRebuildRequest: Codable, Sendable, Equatable {
    /// Another source model (a .gguf file or a Hugging Face directory).
    public var sourceModel: String?
    /// Another target tokenizer.json.
    public var targetTokenizer: String?
    /// Train a new tokenizer version from the corpus (instead of `targetTokenizer`).
    public var retrainTokenizer: Bool?
    /// Another incremental aligner model (`ibm2`, `ibm2-hmm`).
    public var aligner: String?

    public init(sourceModel: String? = nil, targetTokenizer: String? = nil, retrainTokenizer: Bool? = nil, aligner: String? = nil) {
        self.aligner = aligner
        self.sourceModel = sourceModel
        self.targetTokenizer = targetTokenizer
        self.retrainTokenizer = retrainTokenizer
    }
}

/// `DELETE /v1/workspaces/{name}` reply: what was removed (the daemon's own files; watched folders are never touched).
public struct WorkspaceDeleteResult: Codable, Sendable, Equatable {
    public var name: String
    public var removedPaths: [String]

    public init(name: String, removedPaths: [String]) {
        self.name = name
        self.removedPaths = removedPaths
    }
}
