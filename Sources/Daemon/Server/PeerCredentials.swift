import Foundation
import Hummingbird
import NIOCore

/// Who may talk to the daemon: the daemon's own user, root, or (when configured) members of the socket group.
/// Checked with SO_PEERCRED on every request, in addition to the socket file's mode.
struct PeerPolicy: Sendable {
    var daemonUID: uid_t
    var group: GroupID?

    func allows(_ peer: PeerCredential) -> Bool {
        if peer.uid == daemonUID || peer.uid == 0 { return true }
        guard let group else { return false }
        if peer.gid == group.gid { return true }
        return Self.isMember(uid: peer.uid, primaryGID: peer.gid, of: group.gid)
    }

    /// Supplementary membership from the group database (the kernel does not pass supplementary groups).
    static func isMember(uid: uid_t, primaryGID: gid_t, of gid: gid_t) -> Bool {
        guard let passwd = getpwuid(uid), let name = passwd.pointee.pw_name else { return false }
        var count: Int32 = 64
        var groups = [gid_t](repeating: 0, count: Int(count))
        if getgrouplist(name, primaryGID, &groups, &count) < 0 {
            groups = [gid_t](repeating: 0, count: Int(count))
            guard getgrouplist(name, primaryGID, &groups, &count) >= 0 else { return false }
        }
        return groups.prefix(Int(count)).contains(gid)
    }
}

/// `struct ucred` from SO_PEERCRED (glibc hides it behind _GNU_SOURCE, so we declare the same layout).
struct PeerCredential: Sendable, Equatable {
    var pid: Int32
    var uid: uid_t
    var gid: gid_t
}

/// Rejects peers the policy does not allow, and browser-originated requests (Origin/Referer headers), which
/// have no business on a local control socket (tailscale's localapi does the same).
struct PeerCredentialsMiddleware: RouterMiddleware {
    typealias Context = DaemonRequestContext
    let policy: PeerPolicy

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        if request.headers[.origin] != nil || request.headers[.referer] != nil {
            throw DaemonAPIError(.permissionDenied, "requests from web pages are not accepted")
        }
        guard let provider = context.channel as? any SocketOptionProvider else {
            throw DaemonAPIError(.permissionDenied, "cannot read peer credentials")
        }
        let peer: PeerCredential
        do {
            peer = try await provider.unsafeGetSocketOption(
                level: SocketOptionLevel(SOL_SOCKET), name: SocketOptionName(SO_PEERCRED)
            ).get()
        } catch {
            throw DaemonAPIError(.permissionDenied, "cannot read peer credentials")
        }
        guard policy.allows(peer) else {
            context.logger.warning("peer rejected", metadata: ["peer.uid": "\(peer.uid)", "peer.pid": "\(peer.pid)"])
            throw DaemonAPIError(.permissionDenied, "uid \(peer.uid) is not allowed to use this socket")
        }
        return try await next(request, context)
    }
}
