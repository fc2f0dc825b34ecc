import ArgumentParser
import Engine
import Foundation

/// `transtok tokenize`: one output line per input line (split on "\n" only).
struct TokenizeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tokenize",
        abstract: "Encode UTF-8 text with a tokenizer.json, one line of ids per input line.")

    @Option(name: .long, help: "tokenizer.json (gzip accepted).")
    var tokenizer: String

    @Option(name: .long, help: "Input text file (default: standard input).")
    var input: String?

    @Flag(name: .long, help: "Print JSON lines {\"ids\":[…],\"offsets\":[[start,end],…]} (Unicode scalar offsets).")
    var offsets = false

    @Flag(name: .long, help: "Add the post-processor's special tokens (e.g. <s>, [CLS] … [SEP]).")
    var special = false

    /// `--json` here only shapes errors (the output is ids or JSON lines already).
    @OptionGroup var global: GlobalOptions

    func run() throws {
        let tok = try Tokenizer(contentsOf: URL(fileURLWithPath: tokenizer))
        let data: Data
        if let input {
            do { data = try FileChecks.contents(of: input) } catch { throw global.report(error) }
        } else {
            data = FileHandle.standardInput.readDataToEndOfFile()
        }
        var lines = [UInt8](data).split(separator: 0x0A, omittingEmptySubsequences: false)
        // A final "\n" ends the last line rather than starting an empty one.
        if let last = lines.last, last.isEmpty, lines.count > 1 { lines.removeLast() }
        let texts = lines.map { String(decoding: $0, as: UTF8.self) }
        let encodings = tok.encodeBatch(texts, addSpecialTokens: special)
        var out = [UInt8]()
        out.reserveCapacity(data.count * 2)
        for e in encodings {
            if offsets {
                out += Array("{\"ids\":[".utf8)
                out += Array(e.ids.map(String.init).joined(separator: ",").utf8)
                out += Array("],\"offsets\":[".utf8)
                out += Array(e.offsets.map { "[\($0.lowerBound),\($0.upperBound)]" }.joined(separator: ",").utf8)
                out += Array("]}".utf8)
            } else {
                out += Array(e.ids.map(String.init).joined(separator: " ").utf8)
            }
            out.append(0x0A)
            if out.count > 1 << 20 {
                FileHandle.standardOutput.write(Data(out))
                out.removeAll(keepingCapacity: true)
            }
        }
        FileHandle.standardOutput.write(Data(out))
    }
}
