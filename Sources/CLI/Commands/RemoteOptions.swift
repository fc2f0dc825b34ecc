import ArgumentParser
import Foundation
import Sync

/// Where the remote is and how to reach it. Secrets never come from flags: environment
/// (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN) or a 0600 shared-credentials file.
struct RemoteOptions: ParsableArguments {
    @Argument(help: "Remote as s3://BUCKET[/PREFIX].")
    var remote: String

    @Option(help: "S3 endpoint URL (default: AWS_ENDPOINT_URL, else AWS S3 for the region).")
    var endpoint: String?

    @Option(help: "Region used in signatures (default: AWS_REGION, else us-east-1).")
    var region: String?

    @Option(help: "Bucket addressing: path or virtual (default: virtual for AWS, path otherwise).")
    var addressing: String?

    @Option(help: "Connect through this Unix socket.")
    var unixSocket: String?

    @Option(help: "PEM CA bundle instead of the system store.")
    var caBundle: String?

    @Option(help: "AWS shared-credentials file (must be mode 0600) instead of the environment.")
    var credentialsFile: String?

    @Option(help: "Profile in the credentials file (default: AWS_PROFILE, else default).")
    var profile: String?

    func client() throws -> S3Client {
        var style: AddressingStyle?
        if let addressing {
            guard let s = AddressingStyle(rawValue: addressing) else {
                throw ValidationError("--addressing must be path or virtual")
            }
            style = s
        }
        var config = try RemoteConfig.parse(remote, endpoint: endpoint, region: region, addressing: style)
        config.unixSocketPath = unixSocket
        config.caBundlePath = caBundle
        let credentials = try CredentialsLoader.load(file: credentialsFile, profile: profile)
        return S3Client(config: config, credentials: credentials)
    }
}

func formatBytes(_ n: Int64) -> String {
    let units = ["B", "KiB", "MiB", "GiB", "TiB"]
    var v = Double(n)
    var i = 0
    while v >= 1024 && i < units.count - 1 { v /= 1024; i += 1 }
    return i == 0 ? "\(n) B" : String(format: "%.1f %@", v, units[i])
}
