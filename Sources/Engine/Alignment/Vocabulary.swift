/// Interns whitespace tokens of one language as dense integer ids, in first-seen order.
/// Id 0 is reserved for the NULL word `<eps>` (fast_align's name), so real words start at 1 on both sides.
public struct Vocabulary: Sendable, Equatable {
    public static let nullWord = "<eps>"
    public private(set) var words: [String] = [Vocabulary.nullWord]
    private var ids: [String: Int32] = [Vocabulary.nullWord: 0]

    public init() {}

    /// Number of ids including the NULL word.
    public var count: Int { words.count }

    public func id(_ word: String) -> Int32? { ids[word] }

    public func word(_ id: Int32) -> String { words[Int(id)] }

    /// The id of `word`, adding it if new. The literal `<eps>` in the text is a real word, not NULL.
    public mutating func intern(_ word: String) -> Int32 {
        if word == Vocabulary.nullWord {
            // Keep the text token distinct from the NULL word without changing how it prints.
            return intern(word + "\u{0}")
        }
        if let id = ids[word] { return id }
        let id = Int32(words.count)
        words.append(word)
        ids[word] = id
        return id
    }

    /// Printable form (a text token spelled `<eps>` is printed as is).
    public func display(_ id: Int32) -> String {
        let w = words[Int(id)]
        return w.hasSuffix("\u{0}") ? String(w.dropLast()) : w
    }

    init(words: [String]) throws {
        guard words.first == Vocabulary.nullWord else {
            throw AlignmentError.invalidState("vocabulary without NULL word")
        }
        self.words = words
        var ids: [String: Int32] = [:]
        ids.reserveCapacity(words.count)
        for (i, w) in words.enumerated() {
            if ids.updateValue(Int32(i), forKey: w) != nil { throw AlignmentError.invalidState("duplicate word \(w)") }
        }
        self.ids = ids
    }
}
