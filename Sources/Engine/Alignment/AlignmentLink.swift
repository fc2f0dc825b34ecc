/// One Pharaoh link `i-j`: `source` indexes the left (source-file) sentence, `target` the right one, 0-based.
public struct AlignmentLink: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var source: Int
    public var target: Int
    public init(_ source: Int, _ target: Int) {
        self.source = source
        self.target = target
    }
    public static func < (a: Self, b: Self) -> Bool { (a.source, a.target) < (b.source, b.target) }
    public var description: String { "\(source)-\(target)" }
    public var tuple: (Int, Int) { (source, target) }
}

public enum Pharaoh {
    /// `i-j i-j …` in the given order.
    public static func format(_ links: [AlignmentLink]) -> String { links.map(\.description).joined(separator: " ") }
}
