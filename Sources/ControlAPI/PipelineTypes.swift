import Foundation

/// `POST /v1/refresh` body.
public struct RefreshRequest: Codable, Sendable {
    public var workspace: String?
    public init(workspace: String?) { self.workspace = workspace }
}

/// One local checkpoint (`GET /v1/checkpoints`).
public struct CheckpointStatus: Codable, Sendable, Equatable {
    public var workspace: String
    public var number: Int
    public var path: String
    public var pairs: Int
    public var sizeBytes: Int64
    public var createdAt: Date
    public var manifestSHA256: String

    public init(
        workspace: String, number: Int, path: String, pairs: Int, sizeBytes: Int64, createdAt: Date,
        manifestSHA256: String
    ) {
        self.workspace = workspace
        self.number = number
        self.path = path
        self.pairs = pairs
        self.sizeBytes = sizeBytes
        self.createdAt = createdAt
        self.manifestSHA256 = manifestSHA256
    }
}

/// `GET /v1/lookup`: translations of a word from the current alignment tables.
public struct LookupResult: Codable, Sendable, Equatable {
    public struct Translation: Codable, Sendable, Equatable {
        public var text: String
        public var probability: Double
        public var count: Double
        public init(text: String, probability: Double, count: Double) {
            self.text = text
            self.probability = probability
            self.count = count
        }
    }

    public var word: String
    public var reverse: Bool
    public var translations: [Translation]

    public init(word: String, reverse: Bool, translations: [Translation]) {
        self.word = word
        self.reverse = reverse
        self.translations = translations
    }
}

/// `POST /v1/stream/translate` body; the reply streams the translation as plain text.
public struct TranslateRequest: Codable, Sendable {
    public var workspace: String?
    public var text: String
    public var beams: Int?
    public var maxTokens: Int?

    public init(workspace: String?, text: String, beams: Int?, maxTokens: Int?) {
        self.workspace = workspace
        self.text = text
        self.beams = beams
        self.maxTokens = maxTokens
    }
}
