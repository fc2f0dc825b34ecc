import ArgumentParser
import Foundation

/// `swift run -c release transtok-bench <area>`: benchmarks that measure transtok against a peer in the same run.
@main
struct TranstokBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "transtok-bench",
        abstract: "Benchmarks: each prints transtok's figures beside a peer measured in the same run.",
        subcommands: [
            AlignBench.self,
            AlignTuneBench.self,
            TransferBench.self,
            IngestBench.self,
            RuntimeBenchmark.self,
            TokenizersBenchmark.self,
            SyncBench.self,
            SyncUploadOnce.self,
            S3FaultProxyCommand.self,
            SoakCommand.self,
            DaemonBench.self,
            ModelsBench.self,
            QualityBench.self,
        ]
    )

    /// Figures appear as they are measured, also when stdout is a pipe or a file (`| tee`, `> log`): C stdio
    /// buffers a non-terminal stdout in 4 KiB blocks, so an hour-long benchmark printed nothing until it ended.
    static func main() async {
        if let output = cStandardOutput() { setvbuf(output, nil, _IOLBF, 0) }
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            exit(withError: error)
        }
    }
}

/// glibc's `stdout` (a `FILE *` variable) reached through its symbol: Swift 6 does not let code read that imported
/// mutable global directly.
private func cStandardOutput() -> UnsafeMutablePointer<FILE>? {
    guard let symbol = dlsym(nil, "stdout") else { return nil }
    return symbol.assumingMemoryBound(to: UnsafeMutablePointer<FILE>?.self).pointee
}
