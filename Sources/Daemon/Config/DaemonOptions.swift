import ArgumentParser
import Logging

/// Flags shared by `transtokd run` and `transtokd config dump`. Every flag overrides the environment and the file.
struct DaemonOptions: ParsableArguments {
    @Option(help: "Config file (JSON). Default: $TRANSTOK_CONFIG, else /etc/transtok/transtokd.json if it exists.")
    var config: String?

    @Option(
        help: "Control socket path. Default: $XDG_RUNTIME_DIR/transtok.sock, or /run/transtok/transtokd.sock for root.")
    var socket: String?

    @Option(
        name: .customLong("socket-group"),
        help: "Group allowed to use the socket (mode 0660). Default: owner only (0600).")
    var socketGroup: String?

    @Option(
        name: .customLong("state-dir"),
        help:
            "State directory (database, lock, checkpoints). Default: $XDG_STATE_HOME/transtok, or /var/lib/transtok for root."
    )
    var stateDir: String?

    @Option(name: .customLong("log-level"), help: "Lowest level logged (default info).")
    var logLevel: Logger.Level?

    @Option(
        name: .customLong("log-format"),
        help:
            "Log lines on stderr: text or json (under systemd each line also starts with its journald priority, <3> for an error)."
    )
    var logFormat: LogFormat?

    @Option(name: .customLong("blas-threads"), help: "OpenBLAS threads for embedding and model work.")
    var blasThreads: Int?

    var layer: ConfigLayer {
        ConfigLayer(
            socket: socket, socketGroup: socketGroup, stateDir: stateDir, logLevel: logLevel?.rawValue,
            logFormat: logFormat?.rawValue,
            blasThreads: blasThreads)
    }
}

extension LogFormat: ExpressibleByArgument {}

/// `--log-level` is one of swift-log's levels; `--help` lists them.
extension Logger.Level: @retroactive ExpressibleByArgument {}
