import ArgumentParser
import Engine
import Foundation
import Systems

/// `transtok eval --model PATH --text FILE`: tokens, mean NLL, perplexity and bits per byte over sliding windows.
struct EvalCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval", abstract: "Score a text file: mean NLL, perplexity and bits per byte (sliding windows).")

    @Option(help: "Model: a .gguf file or a Hugging Face directory.") var model: String
    @Option(help: "UTF-8 text file.") var text: String
    @Option(help: "Window length in tokens (default: min(context, 1024)).") var window: Int?
    @Option(help: "Stride between windows (default: window / 2).") var stride: Int?
    @Option(help: "Token id placed before the text as context, so the first token is scored too (default: none).")
    var contextToken: Int?
    @Option(help: "OpenBLAS threads.") var threads = ProcessInfo.processInfo.activeProcessorCount
    /// `--json` is a global option (see `GlobalOptions`).
    @OptionGroup var global: GlobalOptions

    func run() async throws {
        BLAS.setThreads(threads)
        let content: String
        do { content = try String(contentsOfFile: text, encoding: .utf8) } catch {
            throw CLIError(
                code: .invalidArgument, message: "cannot read \(text): \(FileErrorText.reason(error, path: text))")
        }
        let progress = ProgressDisplay(label: "eval", style: .detect(quiet: global.quiet || global.json))
        defer { progress.finish() }
        progress.step("loading \((model as NSString).lastPathComponent)", index: 0, of: 2)
        let loaded = try ModelLoader.load(path: model)
        guard let tokenizer = loaded.tokenizer else { throw ValidationError("\(model) has no tokenizer") }
        progress.step("scoring \(content.utf8.count) bytes", index: 1, of: 2)
        let start = Date()
        let evaluator = try Evaluator(model: loaded.model, window: window, stride: stride)
        let r = try evaluator.evaluate(text: content, codec: tokenizer, context: contextToken.map { [$0] } ?? [])
        let seconds = Date().timeIntervalSince(start)
        progress.finish()
        if global.json {
            print(
                String(
                    format:
                        #"{"tokens":%d,"bytes":%d,"mean_nll":%.6f,"perplexity":%.6f,"bits_per_byte":%.6f,"windows":%d,"seconds":%.2f}"#,
                    r.tokens, r.bytes, r.meanNLL, r.perplexity, r.bitsPerByte, r.windows, seconds))
        } else {
            print("tokens scored   \(r.tokens)")
            print("bytes           \(r.bytes)")
            print(String(format: "mean NLL        %.4f nats/token", r.meanNLL))
            print(String(format: "perplexity      %.3f", r.perplexity))
            print(String(format: "bits per byte   %.4f", r.bitsPerByte))
            print(
                "windows         \(r.windows) (window \(evaluator.window), stride \(evaluator.stride)); \(String(format: "%.1f s", seconds))"
            )
        }
    }
}
