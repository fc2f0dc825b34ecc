import Entities
import Foundation
import Store

/// Every remote the daemon knows: those declared in the config file and those added over the API (stored).
/// A name is unique across both.
struct RemoteRegistry: Sendable {
    typealias Origin = RemoteOrigin

    struct Entry: Sendable {
        var settings: RemoteSpec
        var origin: Origin
    }

    let configured: [RemoteSpec]
    let store: Store

    /// Config remotes first, then stored ones, each sorted by name.
    func all() throws -> [Entry] {
        configured.sorted { $0.name < $1.name }.map { Entry(settings: $0, origin: .config) }
            + (try store.remotes()).map { Entry(settings: $0, origin: .api) }
    }

    func named(_ name: String) throws -> Entry? {
        try all().first { $0.settings.name == name }
    }

    /// A name both in the config file and in the store: refused at start-up, as it is when adding.
    func checkNoClash() throws(DaemonError) {
        let stored: [RemoteSpec]
        do { stored = try store.remotes() } catch { throw .startup("cannot read stored remotes: \(error)") }
        let configuredNames = Set(configured.map(\.name))
        if let clash = stored.first(where: { configuredNames.contains($0.name) }) {
            throw .config(
                "remote \(clash.name) is declared in the config file and was also added with `transtok remote add`; "
                    + "rename it in the config file (or remove it there, start, and `transtok remote remove \(clash.name)`)"
            )
        }
    }
}
