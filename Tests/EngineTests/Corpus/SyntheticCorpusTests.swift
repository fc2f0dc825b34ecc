import Testing

@testable import Engine

/// The generated corpus of the ingestion measurements (`transtok-bench ingest`, `IngestMemoryTests`).
@Suite struct SyntheticCorpusTests {
    @Test func wholeDistinctNumberedLinesWithinTheSize() throws {
        var text: [UInt8] = []
        var chunks = 0
        let pairs = SyntheticCorpus.tsv(decompressedBytes: 9 << 20) {
            text += $0
            chunks += 1
        }
        #expect(text.count <= 9 << 20 && text.count > (9 << 20) - 1000, "\(text.count) bytes")
        #expect(chunks == 3, "4 MiB chunks and the rest")
        let lines = text.split(separator: 0x0A, omittingEmptySubsequences: false)
        #expect(lines.last?.isEmpty == true && lines.count == pairs + 1)
        #expect(Set(lines.dropLast()).count == pairs)
        for (k, line) in lines.dropLast().enumerated() where k % 997 == 0 {
            let sides = line.split(separator: 0x09, omittingEmptySubsequences: false)
            #expect(sides.count == 2)
            for side in sides {
                #expect(side.starts(with: Array("\(k) ".utf8)))
                #expect(side.split(separator: 0x20).count == 37, "the number and 36 words")
            }
        }
        // The same bytes on every run.
        var again: [UInt8] = []
        #expect(SyntheticCorpus.tsv(decompressedBytes: 9 << 20) { again += $0 } == pairs)
        #expect(again == text)
    }
}
