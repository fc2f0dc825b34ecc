import ArgumentParser
import Entities
import Foundation
import Sync

/// Where the remote is and how to reach it. Secrets never come from flags: they come from the AWS credential chain
/// in awscli's order (environment, `--profile`/AWS_PROFILE in ~/.aws/credentials and ~/.aws/config,
/// credential_process, web identity, instance metadata); an explicit `--profile` wins over environment keys.
struct RemoteOptions: ParsableArguments {
    @Argument(help: "Remote as s3://BUCKET[/PREFIX].")
    var remote: String

    @Option(
        name: [.customLong("endpoint"), .customLong("endpoint-url")],
        help:
            "S3 endpoint URL; --endpoint-url is awscli's name (default: AWS_ENDPOINT_URL, else AWS S3 for the region).")
    var endpoint: String?

    @Option(help: "Region used in signatures (default: AWS_REGION, else us-east-1).")
    var region: String?

    @Option(help: "Bucket addressing (default: virtual for AWS, path otherwise).")
    var addressing: AddressingStyle?

    @Option(help: "Connect through this Unix socket.")
    var unixSocket: String?

    @Option(help: "PEM CA bundle instead of the system store.")
    var caBundle: String?

    @Option(help: "AWS shared-credentials file (must be mode 0600); credentials then come only from it.")
    var credentialsFile: String?

    @Option(
        help:
            "Profile in ~/.aws/credentials or ~/.aws/config (default: AWS_PROFILE, else default); wins over AWS_ACCESS_KEY_ID as in awscli."
    )
    var profile: String?

    func client() throws -> S3Client {
        var config = try RemoteConfig.parse(remote, endpoint: endpoint, region: region, addressing: addressing)
        config.unixSocketPath = unixSocket
        config.caBundlePath = caBundle
        let provider = CredentialsProvider(CredentialSettings(credentialsFile: credentialsFile, profile: profile))
        _ = try provider.current() // a missing or unsafe credential is reported now, before any transfer
        return S3Client(config: config, credentialsProvider: provider)
    }
}

func formatBytes(_ n: Int64) -> String {
    let units = ["B", "KiB", "MiB", "GiB", "TiB"]
    var v = Double(n)
    var i = 0
    while v >= 1024 && i < units.count - 1 {
        v /= 1024
        i += 1
    }
    return i == 0 ? "\(n) B" : String(format: "%.1f %@", v, units[i])
}
