import Foundation
import Testing

@testable import Daemon

/// Issue #14 item 9: the socket directory in a shared directory (the `transtok-<uid>` fallback under /tmp) is created
/// 0700, and refused when it exists as a symlink, with another owner, or accessible by group or others.
@Suite struct SocketDirectoryTests {
    /// A world-writable, sticky directory standing in for /tmp.
    func sharedParent() throws -> String {
        let parent = try makeTemporaryDirectory("sockdir")
        chmod(parent, 0o1777)
        return parent
    }

    func refusal(_ socket: String) -> String? {
        do {
            try SocketGuard.prepare(path: socket)
            return nil
        } catch {
            return error.description
        }
    }

    @Test func createdPrivateAndRefusedWhenOthersCouldHaveMadeIt() throws {
        let uid = geteuid()
        var parents: [String] = []
        defer { for parent in parents { try? FileManager.default.removeItem(atPath: parent) } }
        /// `transtok-<uid>` in a fresh shared parent (the fallback's name, so each case needs its own parent).
        func fallback() throws -> String {
            let parent = try sharedParent()
            parents.append(parent)
            return parent + "/transtok-\(uid)"
        }

        let fresh = try fallback()
        #expect(refusal(fresh + "/transtok.sock") == nil)
        var info = stat()
        #expect(lstat(fresh, &info) == 0 && info.st_mode & 0o777 == 0o700 && info.st_uid == uid)
        #expect(refusal(fresh + "/transtok.sock") == nil, "our own private directory is reused")

        let open = try fallback()
        #expect(mkdir(open, 0o700) == 0 && chmod(open, 0o755) == 0)
        #expect(refusal(open + "/transtok.sock")?.contains("mode 755") == true)

        let link = try fallback()
        let elsewhere = try makeTemporaryDirectory("sockdir-target")
        parents.append(elsewhere)
        chmod(elsewhere, 0o700)
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: elsewhere)
        #expect(refusal(link + "/transtok.sock")?.contains("not a directory") == true)

        if uid == 0 { // only root can give a directory away
            let foreign = try fallback()
            #expect(mkdir(foreign, 0o700) == 0 && chown(foreign, 65_534, 65_534) == 0)
            #expect(refusal(foreign + "/transtok.sock")?.contains("owned by uid 65534") == true)
        } else if ProcessInfo.processInfo.environment["CI"] != nil {
            Issue.record("the foreign-owner case needs root under CI")
        }

        // A directory the daemon creates in a shared parent is private too; one the operator made and named is used.
        let parent = try sharedParent()
        parents.append(parent)
        #expect(refusal(parent + "/new/transtok.sock") == nil)
        #expect(lstat(parent + "/new", &info) == 0 && info.st_mode & 0o777 == 0o700)
        #expect(mkdir(parent + "/chosen", 0o755) == 0)
        #expect(refusal(parent + "/chosen/transtok.sock") == nil)
    }

    @Test func aDirectoryInAPrivateParentIsCreatedAsBefore() throws {
        let parent = try makeTemporaryDirectory("sockdir-private")
        defer { try? FileManager.default.removeItem(atPath: parent) }
        #expect(refusal(parent + "/run/deeper/transtok.sock") == nil)
        #expect(FileManager.default.fileExists(atPath: parent + "/run/deeper"))
    }
}
