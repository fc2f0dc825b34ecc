import Entities
import Foundation

/// The config file names the fields of its remotes and workspaces in snake_case (`credentials_file`,
/// `parallel_dirs`); the entities (`RemoteSpec`, `WorkspaceSpec`) are the one definition and their `CodingKeys` are
/// the wire's. These key strategies translate between the two for `remotes[i].*` and `workspaces[i].*`, so a field
/// added to an entity is a config key with no change here.
enum ConfigKeys {
    /// The entity whose fields sit under a top-level config key.
    static func entity(_ section: String) -> (any EntityKeys.Type)? {
        switch section {
        case DaemonConfig.CodingKeys.remotes.rawValue: RemoteSpec.self
        case DaemonConfig.CodingKeys.workspaces.rawValue: WorkspaceSpec.self
        default: nil
        }
    }

    /// Config-file key → wire key, for fields of an entity element (`remotes[0].part_integrity` → `partIntegrity`).
    static var decoding: JSONDecoder.KeyDecodingStrategy {
        .custom { path in
            let key = path[path.count - 1]
            guard path.count == 3, let entity = entity(path[0].stringValue),
                let wire = entity.wireKey(forConfigKey: key.stringValue)
            else { return key }
            return AnyKey(wire)
        }
    }

    /// Wire key → config-file key (`transtokd config dump`).
    static var encoding: JSONEncoder.KeyEncodingStrategy {
        .custom { path in
            let key = path[path.count - 1]
            guard path.count == 3, let entity = entity(path[0].stringValue) else { return key }
            return AnyKey(entity.configKey(forWireKey: key.stringValue))
        }
    }

    /// A decoding error's path in config-file keys (`workspaces[0].source_model`).
    static func describe(_ path: [any CodingKey]) -> String {
        var text = ""
        for (depth, key) in path.enumerated() {
            if let index = key.intValue {
                text += "[\(index)]"
            } else if depth == 2, let entity = entity(path[0].stringValue) {
                text += "." + entity.configKey(forWireKey: key.stringValue)
            } else {
                text += "." + key.stringValue
            }
        }
        return text.hasPrefix(".") ? String(text.dropFirst()) : text
    }

    struct AnyKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(_ string: String) { stringValue = string }
        init?(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }
}
