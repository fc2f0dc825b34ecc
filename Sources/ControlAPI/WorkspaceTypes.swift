/// `POST /v1/workspaces` body: create or update a workspace.
public struct WorkspaceRequest: Codable, Sendable, Equatable {
    public var name: String
    public var sourceLanguage: String
    public var targetLanguage: String
    public var sourceModel: String
    public var targetTokenizer: String?
    public var parallelDirectories: [String]
    public var monolingualDirectories: [String]?
    public var remote: String?
    /// Output dtype of checkpoints: `auto` (default), `f32`, `f16`, `bf16`.
    public var dtype: String?

    public init(
        name: String, sourceLanguage: String, targetLanguage: String, sourceModel: String,
        targetTokenizer: String? = nil, parallelDirectories: [String], monolingualDirectories: [String]? = nil,
        remote: String? = nil, dtype: String? = nil
    ) {
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
