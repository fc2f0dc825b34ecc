/// How bucket names go into S3 URLs. The one type every layer uses (config file, control API, CLI, store, Sync).
public enum AddressingStyle: String, Sendable, Codable, CaseIterable {
    /// `https://endpoint/bucket/key` (MinIO, SeaweedFS, most self-hosted servers).
    case path
    /// `https://bucket.endpoint/key` (AWS default).
    case virtualHosted = "virtual"

    /// Spellings accepted besides the raw values (`virtual-hosted`, AWS's own name for the style).
    public static let aliases: [String: AddressingStyle] = ["virtual-hosted": .virtualHosted]

    /// A raw value or an alias; nil for anything else.
    public init?(parsing text: String) {
        guard let style = AddressingStyle(rawValue: text) ?? Self.aliases[text] else { return nil }
        self = style
    }

    /// Decodes a raw value or an alias (rows and config files written before the alias was folded in).
    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let style = AddressingStyle(parsing: text) else {
            throw DecodingError.dataCorrupted(
                .init(
                    codingPath: decoder.codingPath,
                    debugDescription: "must be \(Self.allCases.map(\.rawValue).joined(separator: " or ")), got \(text)")
            )
        }
        self = style
    }
}
