import Entities

/// `POST /v1/workspaces` body: create a workspace (the one `WorkspaceSpec`, its keys at the top level of the JSON).
/// On an existing name the request must be identical (409 conflict otherwise, naming the key); the model, tokenizer
/// and folders are checked before anything is saved.
@dynamicMemberLookup
public struct WorkspaceRequest: Codable, Sendable, Equatable {
    public var workspace: WorkspaceSpec
    /// Create missing watched folders (otherwise a folder that does not exist is refused).
    public var createDirectories: Bool?

    public init(_ workspace: WorkspaceSpec, createDirectories: Bool? = nil) {
        self.workspace = workspace
        self.createDirectories = createDirectories
    }

    public subscript<Value>(dynamicMember keyPath: WritableKeyPath<WorkspaceSpec, Value>) -> Value {
        get { workspace[keyPath: keyPath] }
        set { workspace[keyPath: keyPath] = newValue }
    }

    private enum CodingKeys: String, CodingKey { case createDirectories }

    public init(from decoder: any Decoder) throws {
        workspace = try WorkspaceSpec(from: decoder)
        createDirectories = try decoder.container(keyedBy: CodingKeys.self)
            .decodeIfPresent(Bool.self, forKey: .createDirectories)
    }

    public func encode(to encoder: any Encoder) throws {
        try workspace.encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encodeIfPresent(createDirectories, forKey: .createDirectories)
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
    /// Another incremental aligner model.
    public var aligner: IncrementalAlignerModel?

    public init(
        sourceModel: String? = nil, targetTokenizer: String? = nil, retrainTokenizer: Bool? = nil,
        aligner: IncrementalAlignerModel? = nil
    ) {
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
