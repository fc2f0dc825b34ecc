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
            throw ExitCode.configurationError
        }
        let level = Logger.Level(rawValue: config.logLevel) ?? .info
        let format = LogFormat(rawValue: config.logFormat) ?? .text
        let journald = DaemonLogHandler.stderrIsJournal(environment: environment)
        LoggingSystem.bootstrap { label in
            DaemonLogHandler(label: label, level: level, format: format, journald: journald)
        }
        let logger = Logger(label: "transtok.daemon")
        do {
            try await Daemon(config: config, configFile: configFile, logger: logger).run()
        } catch let error as DaemonError {
            logger.critical("\(error)")
            FileHandle.standardError.write(Data("transtokd: \(error)\n".utf8))
            if case .config = error { throw ExitCode.configurationError }
            throw ExitCode(1)
        } catch let error as ConfigError {
            logger.critical("\(error)")
            FileHandle.standardError.write(Data("transtokd: \(error)\n".utf8))
            throw ExitCode.configurationError
        }
    }
}

extension ExitCode {
    /// 78, sysexits' EX_CONFIG: the unit's `RestartPreventExitStatus=78` keeps systemd from restarting into it.
    static let configurationError = ExitCode(78)
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

        let parts = try DaemonServices(
            config: config, configFile: configFile, stateDirectory: stateDirectory.path, logger: logger)
        let notifier = SystemdNotifier()
        let app = ControlServer.makeApplication(
            config: config, routes: parts.routes, policy: PeerPolicy(daemonUID: geteuid(), group: group), group: group,
            notifier: notifier, logger: logger)
        let (sync, pipeline, watcher) = (parts.sync, parts.pipeline, parts.watcher)

        // Reverse start order is the shutdown order: the API stops first, then the watcher, then the pipeline
        // (which finishes its cycle), then Sync (an upload stops at a part boundary; the journal resumes it), the
        // notifier last.
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [
            .init(service: ShutdownNotifier(notifier: notifier)), .init(service: sync), .init(service: pipeline),
            .init(service: watcher),
        ]
        if let text = config.metricsAddress {
            let address = try MetricsAddress(parsing: text)
            services.append(
                .init(
                    service: MetricsListener.makeApplication(
                        address: address, exporter: MetricsExporter(store: parts.store, sync: sync),
                        logger: Logger(label: "transtok.metrics"))))
        }
        services.append(.init(service: app))
        let serviceGroup = ServiceGroup(
            configuration: .init(
                services: services,
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger))
        try await serviceGroup.run()
        unlink(config.socket)
        logger.info("stopped")
        withExtendedLifetime(stateDirectory) {}
    }
}

/// The daemon's parts, wired together: the store, the corpus controller and watcher, the pipeline, Sync and the
/// control routes. Nothing runs until the service group starts; in-process tests build this and drive the routes.
struct DaemonServices {
    let store: Store
    let sync: SyncService
    let pipeline: PipelineService
    let watcher: CorpusWatchService
    let routes: ControlRoutes

    /// `store`: an open store (in-process tests pass `Store.inMemory`); nil opens `<stateDirectory>/transtok.sqlite`.
    init(
        config: DaemonConfig, configFile: String? = nil, stateDirectory: String, store existing: Store? = nil,
        logger: Logger
    ) throws {
        do { store = try existing ?? Store(directory: stateDirectory, logger: logger) } catch {
            throw DaemonError.startup("\(error)")
        }
        let interrupted = try store.markInterruptedJobs()
        for workspace in config.workspaces {
            try ConfiguredWorkspaces.apply(workspace, store: store, logger: logger)
        }
        let swept = try store.sweepAlignmentStateFiles()
        if swept > 0 { logger.info("removed alignment state files no row names", metadata: ["files": "\(swept)"]) }
        logger.info(
            "starting",
            metadata: [
                "config.file": "\(configFile ?? "none")", "state.dir": "\(stateDirectory)",
                "workspaces": "\(config.workspaces.count)",
                "jobs.interrupted": "\(interrupted)",
            ])

        let store = store
        let status = StatusProvider(
            store: store, stateDirectory: stateDirectory, socket: config.socket, startedAt: Date())
        let corpusLogger = Logger(label: "transtok.corpus")
        let remotes = RemoteRegistry(configured: config.remotes, store: store)
        try remotes.checkNoClash()
        let sync = try SyncService(
            registry: remotes, store: store, keepCheckpoints: config.keepCheckpoints,
            logger: Logger(label: "transtok.sync"))
        let pipeline = PipelineService(
            store: store,
            publisher: CheckpointPublisher(root: stateDirectory + "/checkpoints", store: store, logger: logger),
            policy: RefreshPolicy(
                debounce: config.refreshDebounceSeconds, minNewPairs: config.minNewPairs,
                maxInterval: Double(config.maxRefreshIntervalSeconds)),
            keepCheckpoints: config.keepCheckpoints, stateDirectory: stateDirectory, threads: config.blasThreads,
            logger: Logger(label: "transtok.pipeline")
        ) { workspace, checkpoint in
            sync.enqueue(workspace: workspace.spec.name, checkpoint: checkpoint)
        }
        let corpus = CorpusController(store: store, logger: corpusLogger, settleSeconds: config.debounceSeconds) {
            workspaces in
            corpusLogger.debug("corpus changed", metadata: ["workspaces": "\(workspaces.sorted())"])
            pipeline.corpusChanged(workspaces)
        }
        let rootsGeneration = RootsGeneration()
        watcher = CorpusWatchService(
            controller: corpus, debounce: .milliseconds(Int(config.debounceSeconds * 1000)),
            rescanInterval: .seconds(config.rescanIntervalSeconds), logger: corpusLogger,
            rootsGeneration: rootsGeneration)
        routes = ControlRoutes(
            status: status, store: store, corpus: corpus, rootsGeneration: rootsGeneration, pipeline: pipeline,
            sync: sync, remotes: remotes,
            translation: TranslationService(store: store, pipeline: pipeline, logger: logger),
            administration: WorkspaceAdministration(
                store: store, pipeline: pipeline, sync: sync, remotes: remotes, status: status, corpus: corpus,
                rootsGeneration: rootsGeneration, stateDirectory: stateDirectory,
                configured: Set(config.workspaces.map(\.name)), logger: logger))
        self.sync = sync
        self.pipeline = pipeline
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
