/// The names an entity's fields have at each edge. The wire (control API JSON) uses the entity's `CodingKeys`
/// (camelCase); the config file and the database use their snake_case form, except where an entity keeps an older
/// config-file name (`configKeyOverrides`).
public protocol EntityKeys {
    associatedtype Keys: CodingKey & CaseIterable & RawRepresentable where Keys.RawValue == String
    /// Wire key → config-file key, for keys whose config name is not the snake_case of the wire name.
    static var configKeyOverrides: [String: String] { get }
}

extension EntityKeys {
    public static var configKeyOverrides: [String: String] { [:] }

    /// Every field's config-file key, in declaration order.
    public static var configKeys: [String] { Keys.allCases.map { configKey(forWireKey: $0.rawValue) } }

    /// Every field's database column (snake_case of the wire key).
    public static var columnNames: [String] { Keys.allCases.map { snakeCase($0.rawValue) } }

    public static func configKey(forWireKey key: String) -> String { configKeyOverrides[key] ?? snakeCase(key) }

    /// The wire key of a config-file key; nil when the entity has no such field.
    public static func wireKey(forConfigKey key: String) -> String? {
        Keys.allCases.first { configKey(forWireKey: $0.rawValue) == key }?.rawValue
    }
}

/// `credentialsFile` → `credentials_file`; a run of capitals stays one word (`outputDType` → `output_dtype`).
public func snakeCase(_ key: String) -> String {
    var words: [String] = []
    var current = ""
    var previousWasUpper = false
    for character in key {
        if character.isUppercase, !current.isEmpty, !previousWasUpper {
            words.append(current)
            current = ""
        }
        current.append(contentsOf: character.lowercased())
        previousWasUpper = character.isUppercase
    }
    if !current.isEmpty { words.append(current) }
    return words.joined(separator: "_")
}
