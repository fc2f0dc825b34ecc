import ControlAPI
import Foundation
import Hummingbird
import NIOCore
import Systems

/// Per-request context: Hummingbird's core context plus the channel (for SO_PEERCRED) and our upload limit.
struct DaemonRequestContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    let channel: any Channel
    var maxUploadSize: Int { DaemonRequestContext.uploadLimit.value }

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        channel = source.channel
    }

    var responseEncoder: JSONEncoder { ControlWire.encoder() }

    /// Set once at start-up from `max_request_bytes` (a request context is created per request by Hummingbird
    /// and cannot be handed configuration directly).
    static let uploadLimit = UploadLimit()

    final class UploadLimit: Sendable {
        private let bytes = Locked(1 << 20)
        var value: Int { bytes.value }
        func set(_ newValue: Int) { bytes.withLock { $0 = newValue } }
    }
}
