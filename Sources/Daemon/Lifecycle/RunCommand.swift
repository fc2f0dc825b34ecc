import ArgumentParser
import Engine
import Foundation
import Logging
import ServiceLifecycle
import Store
import UnixSignals

struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run", abstract: "Run the daemon in the foreground (the default command).")

    @OptionGroup var options: DaemonOptions

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        let (config, configFile): (DaemonConfig, String?)
        do {
            (config, configFile) = try ConfigResolver.resolve(
                flags: options.layer, environment: environment, configFile: options.config)
        } catch {
            FileHandle.standardError.write(Data("transtokd: \(error)\n".utf8))
            throw ExitCode(78)  // EX_CONFIG
        }
        let level = Logger.Level(rawValue: config.logLevel) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "transtok.daemon")
        do {
            try await Daemon(config: config, configFile: configFile, logger: logger).run()
        } catch let error as DaemonError {
            logger.critical("\(error)")
            FileHandle.standardError.write(Data("transtokd: \(error)\n".utf8))
            throw ExitCode(1)
        }
    }
}

/// One daemon process: owns the state directory lock, the store and the service group.
struct Daemon {
    let config: DaemonConfig
    let configFile: String?
    let logger: Logger

    func run() async throws {
        // Everything we create (socket, database, checkpoints) is private unless configured otherwise.
        umask(0o077)
        let stateDirectory = try StateDirectory(path: config.stateDir)
        try SocketGuard.prepare(path: config.socket)
        let group = try config.socketGroup.map { name throws(DaemonError) in try GroupID.resolve(name) }
        BLAS.setThreads(config.blasThreads)

        let store: Store
        do { store = try Store(directory: stateDirectory.path, logger: logger) } catch {
            throw DaemonError.startup("\(error)")
        }
        let interrupted = try store.markInterruptedJobs()
        for workspace in config.workspaces {
            try ConfiguredWorkspaces.apply(workspace, store: store, logger: logger)
        }
        let swept = try store.sweepAlignmentStateFiles()
        if swept > 0 { logger.info("removed alignment state files no row names", metadata: ["files": "\(swept)"]) }
        logger.info("starting", metadata: [
            "config.file": "\(configFile ?? "none")", "state.dir": "\(stateDirectory.path)",
            "workspaces": "\(config.workspaces.count)", "jobs.interrupted": "\(interrupted)",
        ])

        let notifier = SystemdNotifier()
        let status = StatusProvider(store: store, stateDirectory: stateDirectory.path, socket: config.socket, startedAt: Date())
        let corpusLogger = Logger(label: "transtok.corpus")
        let remotes = RemoteRegistry(configured: config.remotes, store: store)
        try remotes.checkNoClash()
        let sync = try SyncService(
            registry: remotes, store: store, keepCheckpoints: config.keepCheckpoints, logger: Logger(label: "transtok.sync"))
        let pipeline = PipelineService(
            store: store,
            publisher: CheckpointPublisher(root: stateDirectory.path + "/checkpoints", store: store, logger: logger),
            policy: RefreshPolicy(
                debounce: config.refreshDebounceSeconds, minNewPairs: config.minNewPairs,
                maxInterval: Double(config.maxRefreshIntervalSeconds)),
            keepCheckpoints: config.keepCheckpoints, stateDirectory: stateDirectory.path, threads: config.blasThreads,
            logger: Logger(label: "transtok.pipeline")
        ) { workspace, checkpoint in
            sync.enqueue(workspace: workspace.spec.name, checkpoint: checkpoint)
        }
        let corpus = CorpusController(store: store, logger: corpusLogger) { workspaces in
            corpusLogger.debug("corpus changed", metadata: ["workspaces": "\(workspaces.sorted())"])
            pipeline.corpusChanged(workspaces)
        }
        let rootsGeneration = RootsGeneration()
        let watcher = CorpusWatchService(
            controller: corpus, debounce: .milliseconds(Int(config.debounceSeconds * 1000)),
            rescanInterval: .seconds(config.rescanIntervalSeconds), logger: corpusLogger, rootsGeneration: rootsGeneration)
        let app = ControlServer.makeApplication(
            config: config,
            routes: ControlRoutes(
                status: status, store: store, corpus: corpus, rootsGeneration: rootsGeneration, pipeline: pipeline,
                sync: sync, remotes: remotes, translation: TranslationService(store: store, pipeline: pipeline, logger: logger),
                administration: WorkspaceAdministration(
                    store: store, pipeline: pipeline, sync: sync, remotes: remotes, status: status, corpus: corpus,
                    rootsGeneration: rootsGeneration, stateDirectory: stateDirectory.path,
                    configured: Set(config.workspaces.map(\.name)), logger: logger)),
            policy: PeerPolicy(daemonUID: geteuid(), group: group), group: group, notifier: notifier, logger: logger)

        // Reverse start order is the shutdown order: the API stops first, then the watcher, then the pipeline
        // (which finishes its cycle), then Sync (an upload stops at a part boundary; the journal resumes it), the
        // notifier last.
        let serviceGroup = ServiceGroup(
            configuration: .init(
                services: [
                    .init(service: ShutdownNotifier(notifier: notifier)), .init(service: sync), .init(service: pipeline),
                    .init(service: watcher),
                    .init(service: app),
                ],
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger))
        try await serviceGroup.run()
        unlink(config.socket)
        logger.info("stopped")
        withExtendedLifetime(stateDirectory) {}
    }
}

/// Tells systemd we are stopping as soon as graceful shutdown begins.
struct ShutdownNotifier: Service, CustomStringConvertible {
    let notifier: SystemdNotifier
    var description: String { "ShutdownNotifier" }

    func run() async throws {
        // Returns when graceful shutdown begins (or throws if the group is cancelled).
        try await gracefulShutdown()
        notifier.notify("STOPPING=1")
    }
}
