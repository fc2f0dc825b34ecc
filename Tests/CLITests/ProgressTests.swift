import Foundation
import Testing

@testable import CLI

/// #17.7: progress on stderr only on a terminal; none in a pipe, no colour under NO_COLOR, nothing with --quiet.
@Suite struct ProgressTests {
    final class Sink: @unchecked Sendable {
        private let lock = NSLock()
        private var parts: [String] = []
        func write(_ s: String) { lock.withLock { parts.append(s) } }
        var text: String { lock.withLock { parts.joined() } }
    }

    @Test func aPipeGetsNoProgressAndATerminalDoes() throws {
        let pipe = Pipe()
        let piped = ProgressDisplay.Style.detect(
            fileDescriptor: pipe.fileHandleForWriting.fileDescriptor, quiet: false, environment: [:])
        #expect(!piped.enabled)

        // A pseudo-terminal (Linux /dev/ptmx: TIOCSPTLCK unlocks, TIOCGPTN names the /dev/pts peer).
        let master = open("/dev/ptmx", O_RDWR | O_NOCTTY)
        try #require(master >= 0)
        defer { close(master) }
        var unlock: Int32 = 0, number: UInt32 = 0
        #expect(ioctl(master, 0x4004_5431, &unlock) == 0 && ioctl(master, 0x8004_5430, &number) == 0)
        let terminal = open("/dev/pts/\(number)", O_RDWR | O_NOCTTY)
        try #require(terminal >= 0)
        defer { close(terminal) }
        let tty = ProgressDisplay.Style.detect(fileDescriptor: terminal, quiet: false, environment: ["TERM": "xterm"])
        #expect(tty.enabled && tty.color)
        #expect(!ProgressDisplay.Style.detect(fileDescriptor: terminal, quiet: true, environment: [:]).enabled)
        #expect(
            !ProgressDisplay.Style.detect(fileDescriptor: terminal, quiet: false, environment: ["TERM": "dumb"]).enabled
        )
        let noColor = ProgressDisplay.Style.detect(
            fileDescriptor: terminal, quiet: false, environment: ["NO_COLOR": "1"])
        #expect(noColor.enabled && !noColor.color)
        #expect(
            ProgressDisplay.Style.detect(fileDescriptor: terminal, quiet: false, environment: ["NO_COLOR": ""]).color,
            "an empty NO_COLOR does not count (no-color.org)")
    }

    @Test func disabledDisplayWritesNothing() {
        let sink = Sink()
        let display = ProgressDisplay(label: "transfer", style: .init(enabled: false, color: true, width: 80)) {
            sink.write($0)
        }
        display.step("align", index: 2, of: 7)
        display.set(completed: 5, total: 10)
        display.finish()
        #expect(sink.text.isEmpty)
    }

    @Test func enabledDisplayRedrawsOneLineAndErasesItAtTheEnd() {
        let sink = Sink()
        let display = ProgressDisplay(label: "pull 000001", style: .init(enabled: true, color: false, width: 60)) {
            sink.write($0)
        }
        display.set(completed: 512, total: 1024, detail: "512 B/1.0 KiB")
        display.finish()
        display.set(completed: 1024, total: 1024) // after finish: nothing more
        let text = sink.text
        #expect(text.hasPrefix("\rpull 000001 ["), "\(text.debugDescription)")
        #expect(text.contains(" 50% 512 B/1.0 KiB ") && text.hasSuffix("\r\u{1B}[K"), "\(text.debugDescription)")
        #expect(!text.contains("\n") && !text.contains("\u{1B}[32m"))
    }

    @Test func rendererFitsTheWidthAndColoursOnlyWhenAllowed() {
        var state = ProgressDisplay.State(label: "transfer", step: "align", completed: 3, total: 7, detail: "4/7")
        state.started = Date(timeIntervalSince1970: 0)
        let now = Date(timeIntervalSince1970: 12.34)
        let plain = ProgressRenderer.line(state, style: .init(enabled: true, color: false, width: 60), now: now)
        #expect(plain.count <= 60, "\(plain)")
        #expect(plain.hasPrefix("transfer align [") && plain.hasSuffix("]  43% 4/7 12.3s"), "\(plain)")
        #expect(
            plain.filter { $0 == "#" }.count == Int(3.0 / 7.0 * Double(plain.filter { $0 == "#" || $0 == "-" }.count)))
        let colored = ProgressRenderer.line(state, style: .init(enabled: true, color: true, width: 60), now: now)
        #expect(colored.contains("\u{1B}[32m") && colored.contains("\u{1B}[0m"))
        let narrow = ProgressRenderer.line(
            .init(label: "train-tokenizer", step: "training a very long step name that cannot fit", started: now),
            style: .init(enabled: true, color: false, width: 30), now: now)
        #expect(narrow.count <= 30 && narrow.hasSuffix("…"), "\(narrow)")
        #expect(ProgressRenderer.bytes(1536) == "1.5 KiB" && ProgressRenderer.bytes(12) == "12 B")
    }

    @Test func longCommandsTakeQuietFromTheGlobalFlags() throws {
        let transfer = try Transtok.parseAsRoot([
            "-q", "transfer", "--model", "m", "--target-tokenizer", "t", "--source-text", "s",
            "--target-text", "t", "--output", "o",
        ])
        #expect((transfer as? TransferCommand)?.global.quiet == true)
        let pull = try Transtok.parseAsRoot(["pull", "s3://b/p", "000001", "/tmp/x", "--quiet"])
        #expect((pull as? PullCommand)?.global.quiet == true)
        let align = try Transtok.parseAsRoot(["align", "--input", "x", "-q"])
        #expect((align as? AlignCommand)?.global.quiet == true)
        let train = try Transtok.parseAsRoot([
            "train-tokenizer", "--input", "a", "--vocab-size", "300", "--output", "o", "-q",
        ])
        #expect((train as? TrainTokenizerCommand)?.global.quiet == true)
    }
}
