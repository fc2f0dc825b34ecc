/// Distinct synthetic sentence pairs as TSV text, for measuring ingestion (`transtok-bench ingest`,
/// `IngestMemoryTests`): line k is `k w₁ … w₃₆<TAB>k v₁ … v₃₆`, the words drawn from 512 made-up ones by a fixed
/// LCG, so every run writes the same bytes and no two lines are equal.
public enum SyntheticCorpus {
    /// Hands the TSV text, at most `decompressedBytes` of whole lines, to `write` in chunks of about 4 MiB; returns
    /// the number of pairs.
    public static func tsv(decompressedBytes: Int, write: ([UInt8]) throws -> Void) rethrows -> Int {
        let words = (0..<512).map { i in
            String(repeating: String(UnicodeScalar(UInt8(97 + i % 26))), count: 3 + i % 7) + "\(i % 97)"
        }
        var random: UInt64 = 0x9E37_79B9_7F4A_7C15
        func sentence() -> [UInt8] {
            var out: [UInt8] = []
            for _ in 0..<36 {
                random = random &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                out += Array(words[Int(random >> 55)].utf8)
                out.append(0x20)
            }
            return out
        }
        let sources = (0..<256).map { _ in sentence() }, targets = (0..<256).map { _ in sentence() }
        var written = 0, pairs = 0
        var buffer: [UInt8] = []
        buffer.reserveCapacity(5 << 20)
        while true {
            let number = Array("\(pairs) ".utf8)
            var line = number
            line += sources[pairs & 255]
            line.append(0x09)
            line += number
            line += targets[(pairs >> 8) & 255]
            line.append(0x0A)
            if written + buffer.count + line.count > decompressedBytes { break }
            buffer += line
            pairs += 1
            if buffer.count >= 4 << 20 {
                try write(buffer)
                written += buffer.count
                buffer.removeAll(keepingCapacity: true)
            }
        }
        if !buffer.isEmpty { try write(buffer) }
        return pairs
    }
}
