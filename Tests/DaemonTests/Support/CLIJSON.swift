import Foundation

/// Reads what `transtok --json` prints: snake_case keys, RFC 3339 times (the CLI's `JSONOutput`).
func cliJSONDecoder() -> JSONDecoder {
    let decoder = JSONDecoder()
    decoder.keyDecodingStrategy = .convertFromSnakeCase
    decoder.dateDecodingStrategy = .iso8601
    return decoder
}

/// Every object key in a JSON document, recursively (to check their case).
func allJSONKeys(_ text: String) throws -> [String] {
    func keys(_ value: Any) -> [String] {
        if let object = value as? [String: Any] { return object.keys + object.values.flatMap(keys) }
        if let array = value as? [Any] { return array.flatMap(keys) }
        return []
    }
    return keys(try JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed]))
}
