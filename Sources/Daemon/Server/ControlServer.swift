import ControlAPI
import Foundation
import Hummingbird
import Logging
import NIOCore

/// Builds the Hummingbird application serving the control API on the Unix socket.
enum ControlServer {
    /// The router: error mapping, the peer check, the time limit, then every `ControlEndpoints` route.
    /// `policy` is nil only in in-process tests, whose test channel has no peer to check.
    static func makeRouter(
        config: DaemonConfig, routes: ControlRoutes, policy: PeerPolicy?
    ) -> (Router<DaemonRequestContext>, registered: [EndpointDescriptor]) {
        DaemonRequestContext.uploadLimit.set(config.maxRequestBytes)
        let router = Router(context: DaemonRequestContext.self)
        router.add(middleware: ErrorMappingMiddleware())
        if let policy { router.add(middleware: PeerCredentialsMiddleware(policy: policy)) }
        router.add(
            middleware: TimeoutMiddleware(seconds: config.requestTimeoutSeconds, exemptPrefixes: ["/v1/stream/"]))
        let endpoints = EndpointRouter(router: router)
        routes.register(on: endpoints)
        return (router, endpoints.registered)
    }

    static func makeApplication(
        config: DaemonConfig, routes: ControlRoutes, policy: PeerPolicy, group: GroupID?,
        notifier: SystemdNotifier, logger: Logger
    ) -> some ApplicationProtocol {
        let (router, _) = makeRouter(config: config, routes: routes, policy: policy)
        let socket = config.socket
        return Application(
            router: router,
            // Idle connections are closed; header sizes are bounded by HTTP1Channel's defaults.
            server: .http1(configuration: .init(idleTimeout: .seconds(Int64(config.requestTimeoutSeconds) * 2))),
            configuration: ApplicationConfiguration(address: .unixDomainSocket(path: socket), serverName: "transtokd"),
            onServerRunning: { _ in
                do {
                    try SocketGuard.applyPermissions(path: socket, group: group)
                } catch {
                    // Without the right mode the socket may be too open: stop rather than serve.
                    logger.critical("socket permissions", metadata: ["error": "\(error)"])
                    unlink(socket)
                    exit(1)
                }
                logger.info("listening", metadata: ["socket.path": "\(socket)"])
                notifier.notify("READY=1\nSTATUS=serving on \(socket)")
            },
            logger: logger)
    }
}
