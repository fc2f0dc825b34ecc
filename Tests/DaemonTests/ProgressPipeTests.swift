import Foundation
import Testing

/// #17.7 as a pipe sees it: long commands print their result and no progress drawing (no carriage returns, no
/// escape sequences) when stderr is not a terminal; `status --watch` flushes each frame into a pipe.
@Suite(.serialized) struct ProgressPipeTests {
    @Test func trainTokenizerInAPipePrintsOnlyItsResult() throws {
        let root = try makeTemporaryDirectory("progress-pipe")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let corpus = try RefreshCrashLoopTests.bibleCorpus(count: 200)
        try corpus.map(\.target).joined(separator: "\n").write(
            toFile: root + "/es.txt", atomically: true, encoding: .utf8)
        let run = try runCommand(
            Binaries.cli,
            [
                "train-tokenizer", "--input", root + "/es.txt", "--vocab-size", "400",
                "--output", root + "/tok",
            ], environment: ["TERM": "xterm"], timeout: 120)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.hasPrefix("trained sentencepiece-bpe"), "\(run.stdout)")
        #expect(run.stderr.isEmpty, "progress drawn into a pipe: \(run.stderr.debugDescription)")
        #expect(!run.stdout.contains("\r") && !run.stdout.contains("\u{1B}"))
        let quiet = try runCommand(
            Binaries.cli,
            [
                "-q", "train-tokenizer", "--input", root + "/es.txt", "--vocab-size", "400",
                "--output", root + "/tok2",
            ], timeout: 120)
        #expect(quiet.status == 0 && quiet.stdout.isEmpty && quiet.stderr.isEmpty, "\(quiet)")
        // With --json the result is one JSON object (snake_case keys), still no drawing.
        let json = try runCommand(
            Binaries.cli,
            [
                "train-tokenizer", "--json", "--input", root + "/es.txt", "--vocab-size", "400",
                "--output", root + "/tok3",
            ], timeout: 120)
        #expect(json.status == 0 && json.stderr.isEmpty, "\(json.stderr)")
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect(summary["vocabulary_size"] as? Int == 400, "\(json.stdout)")
        #expect(summary["output"] as? String == root + "/tok3")
    }

    @Test func statusWatchFlushesEachFrameIntoAPipe() throws {
        let daemon = try DaemonProcess(label: "watchpipe")
        try daemon.waitUntilReady()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Binaries.cli)
        process.arguments = ["status", "--watch", "--socket", daemon.socket]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        // Read while it runs: a block-buffered stdout would hold the first frames back until exit.
        let frames = LockedData()
        let reader = Thread {
            while true {
                let chunk = out.fileHandleForReading.availableData
                if chunk.isEmpty { break }
                frames.append(chunk)
            }
        }
        reader.start()
        let deadline = Date().addingTimeInterval(20)
        func count() -> Int {
            String(decoding: frames.value, as: UTF8.self).components(separatedBy: "\n---\n").count - 1
        }
        while Date() < deadline, count() < 2 { usleep(100_000) }
        let seen = count()
        process.terminate()
        process.waitUntilExit()
        #expect(try daemon.terminate() == 0)
        #expect(seen >= 2, "frames seen while running: \(seen)")
        let text = String(decoding: frames.value, as: UTF8.self)
        #expect(text.hasPrefix("transtokd ") && !text.contains("\u{1B}["), "\(text.prefix(200).debugDescription)")
    }
}

final class LockedData: @unchecked Sendable {
    private let lock = NSLock()
    private var data = Data()
    func append(_ chunk: Data) { lock.withLock { data.append(chunk) } }
    var value: Data { lock.withLock { data } }
}
