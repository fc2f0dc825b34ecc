import ControlAPI
import Hummingbird
import Logging

/// The opt-in TCP listener for Prometheus (`metrics_address`): `GET /metrics` only, in the format the scraper's
/// `Accept` header asks for. Read-only and secret-free, so it needs no peer check; it binds loopback unless told
/// otherwise.
enum MetricsListener {
    static func makeApplication(address: MetricsAddress, exporter: MetricsExporter, logger: Logger)
        -> some ApplicationProtocol
    {
        let router = Router()
        router.get("/metrics") { request, _ -> Response in
            try await exporter.response(for: request)
        }
        return Application(
            router: router,
            configuration: ApplicationConfiguration(
                address: .hostname(address.host, port: address.port), serverName: "transtokd-metrics"),
            onServerRunning: { _ in
                logger.info("metrics listening", metadata: ["metrics.address": "\(address.host):\(address.port)"])
            },
            logger: logger)
    }
}
