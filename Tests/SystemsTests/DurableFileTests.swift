import Foundation
import Testing

@testable import Systems

@Suite struct DurableFileTests {
    let directory = NSTemporaryDirectory() + "transtok-durable-\(UUID().uuidString)"

    func entries() -> [String] { ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).sorted() }

    @Test func writesAndReplacesWithoutLeavingTemporaryFiles() throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/state.json"
        try DurableFile.write(Array("first".utf8), to: path)
        try DurableFile.write(Data("second".utf8), to: path, permissions: 0o600)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "second")
        #expect(entries() == ["state.json"])
        var info = stat()
        #expect(
            stat(path, &info) == 0 && info.st_mode & 0o777 == 0o600 & ~currentUmask(),
            "the mode given to the replacing write")
    }

    @Test func aFailingBodyKeepsTheOldContentAndRemovesTheTemporaryFile() throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/rows.bin"
        try DurableFile.write(Array("old".utf8), to: path)
        #expect(throws: DurableFileError.self) {
            try DurableFile.write(to: path) { (fd) throws(DurableFileError) in
                try Array("half".utf8).withUnsafeBytes { raw in
                    Result { () throws(DurableFileError) in try DurableFile.writeAll(fd, raw, path: path) }
                }.get()
                throw DurableFileError(.write, path: path, code: ENOSPC)
            }
        }
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "old")
        #expect(entries() == ["rows.bin"])
    }

    @Test func errorsNameTheStepThePathAndErrno() {
        let path = directory + "/missing-directory/file"
        #expect {
            try DurableFile.write(Array("x".utf8), to: path)
        } throws: { error in
            guard let error = error as? DurableFileError else { return false }
            return error.step == .create && error.code == ENOENT && error.description.contains("missing-directory")
        }
        #expect(DurableFileError(.write, path: "/x", code: ENOSPC).isOutOfSpace)
    }

    private func currentUmask() -> mode_t {
        let mask = umask(0)
        umask(mask)
        return mask
    }
}
