import Foundation
import Testing

@testable import Systems

/// Publishing a directory: a new path appears whole; an existing one is replaced only when asked, and only after the
/// new one is complete; a refused or failed publish leaves the old directory as it was.
@Suite struct DurableDirectoryTests {
    let root: String

    init() throws {
        root = NSTemporaryDirectory() + "transtok-durable-dir-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
    }

    func directory(_ name: String, files: [String: String]) throws -> String {
        let path = root + "/" + name
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        for (file, text) in files { try DurableFile.write(Data(text.utf8), to: path + "/" + file) }
        return path
    }

    func contents(_ path: String) throws -> [String: String] {
        var result: [String: String] = [:]
        for file in try FileManager.default.contentsOfDirectory(atPath: path) {
            result[file] = try String(contentsOfFile: path + "/" + file, encoding: .utf8)
        }
        return result
    }

    @Test func aNewDirectoryAppearsWhole() throws {
        defer { try? FileManager.default.removeItem(atPath: root) }
        let temporary = try directory(".out.tmp", files: ["a": "1", "b": "2"])
        try DurableDirectory.publish(temporary, at: root + "/out")
        #expect(try contents(root + "/out") == ["a": "1", "b": "2"])
        #expect(!FileManager.default.fileExists(atPath: temporary))
    }

    @Test func anExistingDirectoryIsReplacedOnlyWhenAsked() throws {
        defer { try? FileManager.default.removeItem(atPath: root) }
        let target = try directory("out", files: ["a": "old"])
        let first = try directory(".out.tmp1", files: ["a": "new"])
        #expect(throws: DurableFileError.self) { try DurableDirectory.publish(first, at: target) }
        #expect(try contents(target) == ["a": "old"])
        #expect(try contents(first) == ["a": "new"])

        try DurableDirectory.publish(first, at: target, replacing: true)
        #expect(try contents(target) == ["a": "new"])
        // Nothing is left beside it: no temporary, no old copy.
        #expect(try FileManager.default.contentsOfDirectory(atPath: root) == ["out"])
    }

    @Test func aFailedPublishKeepsTheOldDirectory() throws {
        defer { try? FileManager.default.removeItem(atPath: root) }
        let target = try directory("out", files: ["a": "old"])
        #expect(throws: DurableFileError.self) {
            try DurableDirectory.publish(root + "/.missing.tmp", at: target, replacing: true)
        }
        #expect(try contents(target) == ["a": "old"])
        #expect(try FileManager.default.contentsOfDirectory(atPath: root) == ["out"])
    }
}
