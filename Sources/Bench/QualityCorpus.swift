import Engine
import Foundation

/// One language pair of `transtok-bench quality`: `<data>/<name>/pairs.tsv` (source-language<TAB>target-language,
/// one verse per line) and `refs.txt` (`Book C:V` per line), as `scripts/quality-data.sh` writes them. Verses are
/// split into training and held-out text by **whole books** (verses of one book share names and phrasing).
struct QualityCorpus {
    let name: String
    let train: [(String, String)]
    let heldOut: [(String, String)]
    /// The book of each held-out pair (same order as `heldOut`).
    let heldOutBook: [String]
    let heldOutBooks: [String]
    /// The books scored and translated: the held-out books, or only the validation books when given (a dev split for
    /// choosing knobs: the fixed held-out books stay out of training and are not looked at).
    let scoredBooks: [String]

    /// Held-out books per language pair: a deterministic, fixed choice spanning narrative, gospel and letter, about
    /// 3–10% of each corpus (a pair not listed here holds out `fallbackHeldOut`). Override with `--held-out`.
    static let heldOutBooks: [String: [String]] = [
        "en-es": ["Ruth", "Jonah", "Ecclesiastes", "Mark", "James"], // 1,114 of 30,479 verse pairs
        "en-grc": ["Mark", "James"], // 781 of 7,936 verse pairs
    ]
    static let fallbackHeldOut = ["Mark", "James"]

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    init(directory: URL, heldOut override: [String]?, validation: [String]? = nil) throws {
        name = directory.lastPathComponent
        let pairsPath = directory.appendingPathComponent("pairs.tsv").path,
            refsPath = directory.appendingPathComponent("refs.txt").path
        guard let pairsText = try? String(contentsOfFile: pairsPath, encoding: .utf8) else {
            throw Failure(description: "cannot read \(pairsPath) as UTF-8 (run scripts/quality-data.sh)")
        }
        guard let refsText = try? String(contentsOfFile: refsPath, encoding: .utf8) else {
            throw Failure(description: "cannot read \(refsPath) as UTF-8 (run scripts/quality-data.sh)")
        }
        let lines = pairsText.split(separator: "\n", omittingEmptySubsequences: false).dropLast(
            pairsText.hasSuffix("\n") ? 1 : 0)
        let refs = refsText.split(separator: "\n", omittingEmptySubsequences: false).dropLast(
            refsText.hasSuffix("\n") ? 1 : 0)
        guard lines.count == refs.count else {
            throw Failure(description: "\(pairsPath) has \(lines.count) lines but \(refsPath) has \(refs.count)")
        }
        let fixed = override ?? Self.heldOutBooks[name] ?? Self.fallbackHeldOut
        let books = fixed + (validation ?? []).filter { !fixed.contains($0) }
        let split: BookSplit
        do { split = try BookSplit(references: Array(refs), heldOutBooks: books) } catch {
            throw Failure(description: "\(refsPath): \(error)")
        }
        var pairs: [(String, String)?] = []
        pairs.reserveCapacity(lines.count)
        for (i, line) in lines.enumerated() {
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false)
            guard fields.count == 2 else {
                throw Failure(description: "\(pairsPath):\(i + 1): expected source<TAB>target")
            }
            pairs.append(fields[0].isEmpty || fields[1].isEmpty ? nil : (String(fields[0]), String(fields[1])))
        }
        train = split.train.compactMap { pairs[$0] }
        let held = zip(split.heldOut, split.heldOutBook).compactMap { i, book in pairs[i].map { ($0, book) } }
        let scored = validation.map(Set.init) ?? Set(books)
        let kept = held.filter { scored.contains($0.1) }
        heldOut = kept.map(\.0)
        heldOutBook = kept.map(\.1)
        self.heldOutBooks = books
        scoredBooks = validation ?? books
        guard !heldOut.isEmpty else {
            throw Failure(
                description: "\(refsPath): no verses of the scored books \(scoredBooks.joined(separator: ", "))")
        }
    }

    /// The held-out target text scored for bits/byte: whole verses, one per line, in corpus order; with `maxBytes`
    /// > 0 the opening of every held-out book, each up to an equal share of `maxBytes` (at least one verse each).
    func evaluationText(maxBytes: Int) -> String {
        let share = maxBytes / max(1, scoredBooks.count)
        var text = "", used: [String: Int] = [:], closed = Set<String>()
        for ((_, target), book) in zip(heldOut, heldOutBook) where !closed.contains(book) {
            let add = target.utf8.count + 1
            if maxBytes > 0, let u = used[book], u + add > share {
                closed.insert(book)
                continue
            } // contiguous openings only
            text += target + "\n"
            used[book, default: 0] += add
        }
        return text
    }

    /// `count` held-out verse pairs spread evenly over the held-out books (positions i·n/count).
    func translationSample(_ count: Int) -> [(String, String)] {
        let n = heldOut.count
        guard count < n else { return heldOut }
        return (0..<count).map { heldOut[$0 * n / count] }
    }
}
