/// A sync remote: where checkpoints go (`s3://bucket[/prefix]` on an S3-compatible endpoint) and how to reach it.
/// Never a secret: credentials come from the daemon's AWS credential chain, or the 0600 file named here.
///
/// The one definition of a remote. Its edges are derived from it:
/// - the control API (`RemoteRequest`, `RemoteStatus`) embeds it, with these `CodingKeys` as JSON keys;
/// - the config file (`remotes[]`) uses the snake_case form of the keys (`credentials_file`, `part_integrity`);
/// - the store's `remote` table has one column per key (snake_case), read and written through `Codable`;
/// - Sync's `RemoteConfig.parse(_:)` takes it whole.
/// A new per-remote setting is a field here, a migration adding its column, and a CLI flag on `remote add`.
public struct RemoteSpec: Sendable, Equatable, Codable, EntityKeys {
    public var name: String
    /// `s3://bucket[/prefix]`.
    public var url: String
    /// `http(s)://host[:port]`; nil: `AWS_ENDPOINT_URL`, else AWS S3 for the region.
    public var endpoint: String?
    /// Region used in signatures; nil: `AWS_REGION`, else us-east-1.
    public var region: String?
    /// nil: virtual-hosted for AWS endpoints, path otherwise.
    public var addressing: AddressingStyle?
    /// An AWS shared-credentials file (mode 0600); nil: the daemon's credential chain.
    public var credentialsFile: String?
    /// A profile in the credentials file or the ~/.aws files.
    public var profile: String?
    /// How uploads protect each part; nil: Content-MD5.
    public var partIntegrity: PartIntegrity?

    public enum CodingKeys: String, CodingKey, CaseIterable {
        case name, url, endpoint, region, addressing, credentialsFile, profile, partIntegrity
    }
    public typealias Keys = CodingKeys

    public init(
        name: String, url: String, endpoint: String? = nil, region: String? = nil, addressing: AddressingStyle? = nil,
        credentialsFile: String? = nil, profile: String? = nil, partIntegrity: PartIntegrity? = nil
    ) {
        self.name = name
        self.url = url
        self.endpoint = endpoint
        self.region = region
        self.addressing = addressing
        self.credentialsFile = credentialsFile
        self.profile = profile
        self.partIntegrity = partIntegrity
    }
}

/// Where a remote was declared.
public enum RemoteOrigin: String, Sendable, Codable, CaseIterable {
    /// The daemon's config file (edit it there).
    case config
    /// `transtok remote add` (stored).
    case api
}
