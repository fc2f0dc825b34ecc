import Foundation
import Testing

@testable import Daemon

/// Config file errors name the file and say what is wrong in words, with the line and column of bad JSON (on main
/// a truncated file gave `Error Domain=NSCocoaErrorDomain Code=3840 … Unexpected end of file`).
@Suite struct ConfigFileErrorTests {
    func message(_ path: String) -> String {
        do {
            _ = try ConfigResolver.fileLayer(path: path)
            return "no error"
        } catch {
            return error.description
        }
    }

    func write(_ text: String) throws -> String {
        let path = NSTemporaryDirectory() + "transtokd-\(UUID().uuidString).json"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func truncatedJSONNamesTheLineAndColumn() throws {
        let path = try write("{\n  \"socket\": \"/tmp/s.sock\",\n  \"log_level\": \"de")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let text = message(path)
        #expect(text.contains(path) && text.contains("line 3"), "\(text)")
        #expect(!text.contains("NSCocoaErrorDomain") && !text.contains("Code="), "\(text)")
    }

    @Test func aStrayCharacterNamesItsLine() throws {
        let path = try write("{\n  \"socket\": \"/tmp/s.sock\",\n  x\n}\n")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let text = message(path)
        #expect(text.contains("line 3"), "\(text)")
        #expect(!text.contains("NSCocoaErrorDomain"), "\(text)")
    }

    @Test func missingFilesAndDirectoriesAreSaidInWords() throws {
        let missing = NSTemporaryDirectory() + "absent-\(UUID().uuidString).json"
        #expect(message(missing) == "cannot read config file \(missing): No such file or directory")
        let directory = NSTemporaryDirectory()
        #expect(message(directory).contains("is a directory"), "\(message(directory))")
        let empty = try write("")
        defer { try? FileManager.default.removeItem(atPath: empty) }
        #expect(message(empty).contains("empty"), "\(message(empty))")
    }

    @Test func positionCountsCharactersNotBytes() {
        let data = Data("ä\nöü x".utf8)
        #expect(ConfigFileReader.position(ofByte: data.count, in: data) == (2, 5))
    }
}
