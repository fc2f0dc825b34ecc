import ArgumentParser
import ControlAPI
import Entities
import Foundation

/// `transtok remote add|list|remove`: the remotes the running daemon keeps (in its store, next to those of its
/// config file). No secret is ever sent: the daemon reads credentials from its own environment or a 0600 file.
struct RemoteAddCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add",
        abstract: "Add a remote to the running daemon, after checking it (write, read back, delete a probe object).",
        discussion: """
            The check runs inside transtokd with the daemon's credentials, found by the AWS credential chain: \
            --credentials-file (AWS shared-credentials format, mode 0600, readable by the daemon) or --profile, \
            else its environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN), ~/.aws files, \
            credential_process, web identity or instance metadata. Secrets are never flags and never sent over the socket. If the check \
            fails, nothing is saved. Attach the remote with `transtok workspace set-remote WORKSPACE NAME` or \
            `transtok workspace create … --remote NAME`; each workspace uploads under URL/WORKSPACE/.
            """)

    @OptionGroup var global: GlobalOptions
    @Argument(help: "Remote name (letters, digits, '-', '_', '.').") var name: String
    @Argument(help: "Where checkpoints go: s3://BUCKET[/PREFIX].") var url: String
    @Option(
        name: [.customLong("endpoint"), .customLong("endpoint-url")],
        help:
            "S3 endpoint URL; --endpoint-url is awscli's name (default: the daemon's AWS_ENDPOINT_URL, else AWS S3 for the region)."
    )
    var endpoint: String?
    @Option(help: "Region used in signatures (default: the daemon's AWS_REGION, else us-east-1).") var region: String?
    @Option(help: "Bucket addressing (default: virtual for AWS, path otherwise).") var addressing: AddressingStyle?
    @Option(help: "AWS shared-credentials file (mode 0600) the daemon reads instead of its environment.")
    var credentialsFile: String?
    @Option(
        help:
            "Profile the daemon uses, in its credentials file or ~/.aws files (default: its AWS_PROFILE, else default); wins over its environment keys."
    )
    var profile: String?
    @Option(
        help: "How uploads protect each part (default contentMD5; checksumSHA256 where the server verifies checksums).")
    var partIntegrity: PartIntegrity?
    @Flag(help: "Save without the probe check.") var noCheck = false

    /// What is sent: the one `RemoteSpec`, and whether the daemon checks it first.
    var request: RemoteRequest {
        RemoteRequest(
            RemoteSpec(
                name: name, url: url, endpoint: endpoint, region: region, addressing: addressing,
                credentialsFile: credentialsFile.map(absolutePath), profile: profile, partIntegrity: partIntegrity),
            check: !noCheck)
    }

    func run() async throws {
        let request = request
        let result = try await global.call { client throws(ControlClientError) in try client.addRemote(request) }
        try global.output(result) {
            (result.check.map { "ok   \($0.name): \($0.detail)" }
                + [
                    "remote \(result.remote.name) added (\(result.remote.url)\(result.check.isEmpty ? ", not checked" : ""))"
                ])
                .joined(separator: "\n")
        }
    }
}

struct RemoteListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "List the daemon's remotes (from its config file and from `remote add`).")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var list: ListOptions

    func run() async throws {
        let remotes = try await global.call { client throws(ControlClientError) in try client.remotes() }
        try global.output(remotes) {
            let rows = remotes.map { r in
                [
                    r.name, r.url, r.endpoint ?? "default", "\(r.origin)",
                    r.workspaces.isEmpty ? "-" : r.workspaces.joined(separator: ","),
                ]
            }
            return list.render(
                Table(["NAME", "URL", "ENDPOINT", "ORIGIN", "WORKSPACES"], rows: rows),
                empty: "no remotes (add one with `transtok remote add NAME s3://BUCKET/PREFIX`)")
        }
    }
}

struct RemoteRemoveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "remove",
        abstract: "Remove a remote added with `remote add` (refused while a workspace syncs to it).",
        discussion: "Objects already uploaded stay in the bucket. Remotes from the config file are removed there.")

    @OptionGroup var global: GlobalOptions
    @Argument(help: "Remote name.") var name: String

    func run() async throws {
        let name = name
        let removed = try await global.call { client throws(ControlClientError) in try client.removeRemote(named: name)
        }
        try global.output(removed) { "remote \(removed.name) removed" }
    }
}

/// An absolute path for the daemon, whose working directory is not ours.
func absolutePath(_ path: String) -> String {
    URL(fileURLWithPath: path, relativeTo: URL(fileURLWithPath: FileManager.default.currentDirectoryPath))
        .standardizedFileURL.path
}
