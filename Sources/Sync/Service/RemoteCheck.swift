import Foundation
import Hashing
import Systems

/// `transtok remote test`: checks credentials and permissions by listing, writing, reading and deleting a probe.
public enum RemoteCheck {
    public struct Step: Sendable, Equatable {
        public var name: String
        public var ok: Bool
        public var detail: String
    }

    public static func run(_ client: S3Client) async -> [Step] {
        (try? await Blocking.run(name: "transtok.remote-test") { () throws(SyncError) -> [Step] in runBlocking(client) })
            ?? []
    }

    public static func runBlocking(_ client: S3Client) -> [Step] {
        var steps: [Step] = []
        func step(_ name: String, _ body: () throws(SyncError) -> String) -> Bool {
            do {
                steps.append(Step(name: name, ok: true, detail: try body()))
                return true
            } catch {
                steps.append(Step(name: name, ok: false, detail: error.description))
                return false
            }
        }
        let key = client.config.key(".transtok-probe-\(UUID().uuidString.lowercased())")
        let payload = Array("transtok remote test \(Date())".utf8)
        _ = step("list \(client.config.prefix.isEmpty ? "(bucket root)" : client.config.prefix + "/")") {
            () throws(SyncError) in
            let n = try client.listObjects(prefix: client.config.prefix.isEmpty ? "" : client.config.prefix + "/").count
            return "\(n) objects"
        }
        guard
            step(
                "write probe \(key)",
                { () throws(SyncError) in
                    try client.putObject(key: key, bytes: payload, ifNoneMatch: true)
                    return "\(payload.count) bytes, Content-MD5 verified"
                })
        else { return steps }
        _ = step("read probe back") { () throws(SyncError) in
            guard try client.getObject(key: key) == payload else { throw .integrity("probe content differs") }
            return "identical"
        }
        _ = step("delete probe") { () throws(SyncError) in
            try client.deleteObject(key: key)
            guard try client.headObject(key: key) == nil else { throw .integrity("probe still exists after DELETE") }
            return "gone"
        }
        return steps
    }
}
