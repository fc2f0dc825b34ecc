/// A held-out split by **whole books** of a verse-referenced corpus (`Book C:V` per line, e.g. `1 Corinthians 13:4`):
/// verses of one book share names and phrasing, so holding out random verses would leak them into training.
public struct BookSplit: Sendable, Equatable {
    /// Line indices (0-based) of the training and held-out verses, in corpus order.
    public var train: [Int]
    public var heldOut: [Int]
    /// The book of each held-out line (same order as `heldOut`).
    public var heldOutBook: [String]

    public enum Failure: Error, Equatable, CustomStringConvertible {
        /// Line `line` (1-based) is not a `Book C:V` reference.
        case badReference(line: Int, reference: String)
        /// Held-out books that no reference names.
        case unknownBooks([String])
        public var description: String {
            switch self {
            case .badReference(let line, let r): return "line \(line): '\(r)' is not a `Book C:V` reference"
            case .unknownBooks(let b): return "held-out book(s) not in the references: \(b.joined(separator: ", "))"
            }
        }
    }

    /// The book of a reference: everything before the last space, when what follows is `C:V`
    /// (`1 Corinthians 13:4` → `1 Corinthians`).
    public static func book<S: StringProtocol>(of reference: S) -> S.SubSequence? {
        guard let space = reference.lastIndex(of: " ") else { return nil }
        let verse = reference[reference.index(after: space)...]
        let parts = verse.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2,
            parts.allSatisfy({ !$0.isEmpty && $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) }),
            space > reference.startIndex
        else { return nil }
        return reference[..<space]
    }

    /// Splits `references` (one per corpus line) so that every verse of `heldOutBooks` is held out.
    public init<S: StringProtocol>(references: [S], heldOutBooks: [String]) throws(Failure) {
        let held = Set(heldOutBooks)
        var train: [Int] = [], heldOut: [Int] = [], heldOutBook: [String] = [], seen = Set<String>()
        for (i, ref) in references.enumerated() {
            guard let b = Self.book(of: ref) else { throw .badReference(line: i + 1, reference: String(ref)) }
            let book = String(b)
            if held.contains(book) {
                heldOut.append(i)
                heldOutBook.append(book)
                seen.insert(book)
            } else {
                train.append(i)
            }
        }
        let missing = heldOutBooks.filter { !seen.contains($0) }
        guard missing.isEmpty else { throw .unknownBooks(missing) }
        self.train = train
        self.heldOut = heldOut
        self.heldOutBook = heldOutBook
    }
}
