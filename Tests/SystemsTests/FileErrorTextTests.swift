import Foundation
import Systems
import Testing

/// `FileErrorText`: Foundation's file errors in words, for every module that wraps them.
@Suite struct FileErrorTextTests {
    @Test func realFoundationErrorsReadAsWords() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("fet-\(getpid())")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: root) }
        let missing = root.appendingPathComponent("missing.json")
        let cases: [(URL, String)] = [(missing, "No such file or directory"), (root, "directory")]
        for (url, expected) in cases {
            do {
                _ = try Data(contentsOf: url)
                Issue.record("\(url.path) was read")
            } catch {
                let text = FileErrorText.reason(error, path: url.path)
                #expect(text.contains(expected), "\(url.path): \(text)")
                #expect(!text.contains("NSCocoaErrorDomain") && !text.contains("Error Domain"), "\(text)")
            }
        }
        let latin1 = root.appendingPathComponent("latin1.txt")
        try Data([0x63, 0x61, 0x66, 0xE9, 0xFF]).write(to: latin1)
        do {
            _ = try String(contentsOf: latin1, encoding: .utf8)
            Issue.record("invalid UTF-8 was decoded")
        } catch {
            #expect(FileErrorText.reason(error, path: latin1.path).contains("not valid UTF-8 text"))
        }
    }
}
