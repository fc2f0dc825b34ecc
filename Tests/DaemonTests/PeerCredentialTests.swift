import ControlAPI
import Foundation
import Testing

/// Other users: the 0600 socket keeps them out; with a socket group, SO_PEERCRED decides.
/// These need root (to run a client as another uid with setpriv), which CI has.
@Suite(.serialized, .enabled(if: getuid() == 0, "needs root to run a client as another user"))
struct PeerCredentialTests {
    /// Runs curl as uid/gid `nobody` with the given supplementary groups.
    func curlAsNobody(socket: String, groups: String) throws -> CommandResult {
        try runCommand(
            "/usr/bin/setpriv",
            [
                "--reuid=65534", "--regid=65534", "--groups=\(groups)", "--", "/usr/bin/curl", "-s", "-w",
                "\n%{http_code}",
                "--unix-socket", socket, "http://localhost/v1/status",
            ])
    }

    @Test func anotherUserCannotOpenThePrivateSocket() throws {
        let daemon = try DaemonProcess(label: "peer1")
        try daemon.waitUntilReady()
        // The socket's directory is 0700 (created by the daemon) and the socket 0600: connect() fails.
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: daemon.root + "/run")
        let result = try curlAsNobody(socket: daemon.socket, groups: "65534")
        #expect(result.stdout.hasSuffix("000"), "expected no HTTP reply, got \(result.stdout)")
    }

    @Test func groupMembershipIsCheckedWithPeerCredentials() throws {
        // Socket group "users" (gid 100): the file is 0660 root:users.
        let daemon = try DaemonProcess(label: "peer2", extraArguments: ["--socket-group", "100"])
        try daemon.waitUntilReady()
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: daemon.root + "/run")
        var info = stat()
        #expect(lstat(daemon.socket, &info) == 0)
        #expect(info.st_mode & 0o777 == 0o660)
        #expect(info.st_gid == 100)

        // nobody with a *supplementary* group 100 may open the file (the kernel checks supplementary groups),
        // but SO_PEERCRED shows uid 65534 / gid 65534, and nobody is not a member of "users" in the group
        // database: the daemon refuses with 403.
        let rejected = try curlAsNobody(socket: daemon.socket, groups: "65534,100")
        #expect(rejected.stdout.hasSuffix("403"), "got \(rejected.stdout)")
        #expect(rejected.stdout.contains("permission_denied"))
        #expect(daemon.log.contains("peer rejected"))

        // With the group as its primary gid the peer is allowed.
        let allowed = try runCommand(
            "/usr/bin/setpriv",
            [
                "--reuid=65534", "--regid=100", "--clear-groups", "--", "/usr/bin/curl", "-s", "-w", "\n%{http_code}",
                "--unix-socket", daemon.socket, "http://localhost/v1/health",
            ])
        #expect(allowed.stdout.hasSuffix("200"), "got \(allowed.stdout)")
    }
}
