import ArgumentParser

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
}
