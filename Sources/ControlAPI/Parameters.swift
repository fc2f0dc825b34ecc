/// A bad path or query parameter, reported as `invalid_argument`.
public struct ParameterError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// The values of an endpoint path's `{name}` placeholders.
public protocol PathParameters: Sendable {
    static var names: [String] { get }
    init(values: [String: String]) throws(ParameterError)
    var values: [String: String] { get }
}

public struct NoPathParameters: PathParameters, Equatable {
    public static let names: [String] = []
    public init() {}
    public init(values: [String: String]) {}
    public var values: [String: String] { [:] }
}

/// `{name}`: the one path parameter the API has (a workspace or a remote).
public struct NameParameter: PathParameters, Equatable {
    public static let names = ["name"]
    public var name: String
    public init(_ name: String) { self.name = name }
    public init(values: [String: String]) throws(ParameterError) {
        guard let name = values["name"], !name.isEmpty else { throw ParameterError("the path needs a name") }
        self.name = name
    }
    public var values: [String: String] { ["name": name] }
}

/// An endpoint's query parameters: decoded from, and encoded to, `key=value` pairs (escaping in `QueryString`).
public protocol QueryParameters: Sendable {
    static var keys: [String] { get }
    init(query: QueryValues) throws(ParameterError)
    /// The pairs to send, in a stable order; absent optionals are left out.
    var items: [(String, String)] { get }
}

public struct NoQuery: QueryParameters, Equatable {
    public static let keys: [String] = []
    public init() {}
    public init(query: QueryValues) {}
    public var items: [(String, String)] { [] }
}

/// Decoded query values with typed accessors whose errors name the key and what it accepts.
public struct QueryValues: Sendable {
    public var values: [String: String]
    public init(_ values: [String: String]) { self.values = values }

    public func string(_ key: String) -> String? { values[key] }

    public func int(_ key: String, in range: ClosedRange<Int>) throws(ParameterError) -> Int? {
        guard let raw = values[key] else { return nil }
        guard let value = Int(raw), range.contains(value) else {
            throw ParameterError(
                "\(key) must be an integer in \(range.lowerBound)…\(range.upperBound) (got \"\(raw)\")")
        }
        return value
    }

    public func bool(_ key: String) throws(ParameterError) -> Bool? {
        guard let raw = values[key] else { return nil }
        switch raw {
        case "1", "true": return true
        case "0", "false": return false
        default: throw ParameterError("\(key) must be true or false (got \"\(raw)\")")
        }
    }

    public func choice<T: RawRepresentable & CaseIterable>(_ key: String, as: T.Type) throws(ParameterError) -> T?
    where T.RawValue == String {
        guard let raw = values[key] else { return nil }
        guard let value = T(rawValue: raw) else {
            throw ParameterError(
                "\(key) must be one of \(T.allCases.map(\.rawValue).joined(separator: ", ")) (got \"\(raw)\")")
        }
        return value
    }
}

/// The one place where query strings and path segments are escaped and parsed (RFC 3986: everything outside the
/// unreserved set is percent-encoded, so `&`, `=`, `+`, `/`, `#` and spaces survive the trip).
public enum QueryString {
    public static func encode(_ items: [(String, String)]) -> String {
        items.map { escape($0.0) + "=" + escape($0.1) }.joined(separator: "&")
    }

    public static func escape(_ value: String) -> String {
        var out = ""
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
                UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                out +=
                    "%" + String(byte >> 4, radix: 16, uppercase: true) + String(byte & 0xF, radix: 16, uppercase: true)
            }
        }
        return out
    }

    /// Parses `a=1&b=x%20y` (the first value of a repeated key wins; `+` is a literal plus, as `escape` writes it).
    public static func decode(_ query: String) -> [String: String] {
        var result: [String: String] = [:]
        for pair in query.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let key = unescape(String(parts[0]))
            let value = parts.count > 1 ? unescape(String(parts[1])) : ""
            if result[key] == nil { result[key] = value }
        }
        return result
    }

    public static func unescape(_ value: String) -> String {
        let input = Array(value.utf8)
        var bytes: [UInt8] = []
        var i = 0
        while i < input.count {
            if input[i] == UInt8(ascii: "%"), i + 2 < input.count,
                let high = hexValue(input[i + 1]), let low = hexValue(input[i + 2])
            {
                bytes.append(high << 4 | low)
                i += 3
            } else {
                bytes.append(input[i])
                i += 1
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
