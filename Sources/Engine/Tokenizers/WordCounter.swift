import Foundation
import Systems

/// Streams text and counts pre-tokenized words (as scalar arrays) in bounded memory: lines are processed in
/// blocks on all cores, and when more than `maxDistinctWords` distinct words are held the rarest are dropped.
final class WordCounter {
    let preTokenizer: PreTokenizer
    let maxDistinctWords: Int
    let threads: Int
    private(set) var counts: [[UInt32]: Int] = [:]
    private(set) var pruneThreshold = 0

    init(preTokenizer: PreTokenizer, maxDistinctWords: Int, threads: Int) {
        self.preTokenizer = preTokenizer
        self.maxDistinctWords = max(1000, maxDistinctWords)
        self.threads = max(1, threads)
    }

    /// Counts every line ("\n"-separated) of a file, reading 8 MB at a time.
    func add(file url: URL) throws {
        let h: FileHandle
        do { h = try FileHandle(forReadingFrom: url) } catch {
            throw TokenizerError.training("cannot open \(url.path): \(FileErrorText.reason(error, path: url.path))")
        }
        defer { try? h.close() }
        var carry = [UInt8]()
        while true {
            let chunk = try h.read(upToCount: 8 << 20) ?? Data()
            if chunk.isEmpty { break }
            carry.append(contentsOf: chunk)
            guard let lastNL = carry.lastIndex(of: 0x0A) else { continue }
            addBlock(carry[..<lastNL])
            carry.removeSubrange(...lastNL)
        }
        if !carry.isEmpty { addBlock(carry[...]) }
    }

    func add(lines: [String]) {
        addBlock(Array(lines.joined(separator: "\n").utf8)[...])
    }

    private func addBlock(_ block: ArraySlice<UInt8>) {
        let lines = block.split(separator: 0x0A, omittingEmptySubsequences: true)
        let workers = min(threads, max(1, lines.count / 64))
        let parts = ResultSlots<[[UInt32]: Int]>(count: workers)
        let pt = preTokenizer
        DispatchQueue.concurrentPerform(iterations: workers) { w in
            var local = [[UInt32]: Int]()
            var k = w
            while k < lines.count {
                let text = String(decoding: lines[lines.startIndex + k], as: UTF8.self)
                let scalars = Scalars.of(text)
                for p in pt.apply([NormalizedText(original: scalars, offset: 0)]) { local[p.scalars, default: 0] += 1 }
                k += workers
            }
            parts.set(w, local)
        }
        for part in parts.values() { for (word, c) in part ?? [:] { counts[word, default: 0] += c } }
        while counts.count > maxDistinctWords {
            pruneThreshold += 1
            counts = counts.filter { $0.value > pruneThreshold }
        }
    }
}
