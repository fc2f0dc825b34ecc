import Foundation

typealias JSONObject = [String: Any]

/// Typed access to a component object of tokenizer.json with errors naming the component.
struct JSONFields {
    let object: JSONObject
    let component: String

    init(_ value: Any, component: String) throws {
        guard let object = value as? JSONObject else {
            throw TokenizerError.invalidComponent(component: component, reason: "expected an object")
        }
        self.object = object
        self.component = component
    }

    var type: String { (object["type"] as? String) ?? "" }

    func isNull(_ key: String) -> Bool { object[key] == nil || object[key] is NSNull }

    func string(_ key: String) throws -> String {
        guard let v = object[key] as? String else { throw missing(key, "a string") }
        return v
    }

    func optionalString(_ key: String) -> String? { object[key] as? String }

    func bool(_ key: String, default value: Bool) -> Bool {
        if let n = object[key] as? NSNumber { return n.boolValue }
        return value
    }

    func optionalBool(_ key: String) -> Bool? { (object[key] as? NSNumber)?.boolValue }

    func int(_ key: String, default value: Int) -> Int {
        if let n = object[key] as? NSNumber { return n.intValue }
        return value
    }

    func optionalInt(_ key: String) -> Int? { (object[key] as? NSNumber)?.intValue }

    func double(_ key: String) -> Double? { (object[key] as? NSNumber)?.doubleValue }

    func array(_ key: String) throws -> [Any] {
        guard let v = object[key] as? [Any] else { throw missing(key, "an array") }
        return v
    }

    func missing(_ key: String, _ what: String) -> TokenizerError {
        .invalidComponent(component: component, reason: "field \"\(key)\" must be \(what)")
    }
}

/// `{"String": "..."}` or `{"Regex": "..."}` patterns of Replace and Split.
enum TextPattern {
    case literal([UInt32])
    case regex(RegexMatcher)

    init(_ value: Any?, component: String) throws {
        guard let obj = value as? JSONObject else {
            throw TokenizerError.invalidComponent(component: component, reason: "pattern must be an object")
        }
        if let s = obj["String"] as? String {
            self = .literal(Scalars.of(s))
        } else if let r = obj["Regex"] as? String {
            self = .regex(try RegexMatcher(pattern: r, component: component))
        } else {
            throw TokenizerError.invalidComponent(component: component, reason: "pattern needs String or Regex")
        }
    }

    /// Non-overlapping matches, left to right, as scalar ranges (empty matches skipped).
    func matches(in scalars: [UInt32]) -> [Range<Int>] {
        switch self {
        case .literal(let needle):
            guard !needle.isEmpty, needle.count <= scalars.count else { return [] }
            var result = [Range<Int>]()
            var i = 0
            let first = needle[0]
            let last = scalars.count - needle.count
            while i <= last {
                if scalars[i] == first && scalars[i..<(i + needle.count)].elementsEqual(needle) {
                    result.append(i..<(i + needle.count))
                    i += needle.count
                } else {
                    i += 1
                }
            }
            return result
        case .regex(let m):
            return m.matches(in: scalars)
        }
    }
}
