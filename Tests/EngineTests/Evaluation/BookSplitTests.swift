import Testing

@testable import Engine

@Suite("Evaluation: held-out split by whole books")
struct BookSplitTests {
    static let refs = [
        "Genesis 1:1", "Genesis 1:2", "Ruth 1:1", "Ruth 4:22", "1 Corinthians 13:4", "Mark 1:1", "Mark 16:20",
        "John 1:1",
    ]

    @Test("every verse of a held-out book is held out, nothing else; order kept")
    func wholeBooks() throws {
        let s = try BookSplit(references: Self.refs, heldOutBooks: ["Ruth", "Mark"])
        #expect(s.heldOut == [2, 3, 5, 6])
        #expect(s.heldOutBook == ["Ruth", "Ruth", "Mark", "Mark"])
        #expect(s.train == [0, 1, 4, 7])
        let numbered = try BookSplit(references: Self.refs, heldOutBooks: ["1 Corinthians"])
        #expect(numbered.heldOut == [4])
    }

    @Test("book names with spaces and digits; malformed references are refused with their line")
    func references() {
        #expect(BookSplit.book(of: "1 Corinthians 13:4") == "1 Corinthians")
        #expect(BookSplit.book(of: "Song of Solomon 2:1") == "Song of Solomon")
        for bad in ["Genesis", "Genesis 1", "Genesis 1:", "Genesis a:1", " 1:1", "Genesis 1:2:3"] {
            #expect(BookSplit.book(of: bad) == nil, "\(bad)")
        }
        #expect(throws: BookSplit.Failure.badReference(line: 2, reference: "Genesis")) {
            try BookSplit(references: ["Genesis 1:1", "Genesis"], heldOutBooks: [])
        }
    }

    @Test("a held-out book that no reference names is an error, not an empty split")
    func unknownBook() {
        #expect(throws: BookSplit.Failure.unknownBooks(["Jonas"])) {
            try BookSplit(references: Self.refs, heldOutBooks: ["Ruth", "Jonas"])
        }
    }
}
