import Foundation
import Testing

@testable import Engine

/// The direct JSON writer: what `TokenMappingFile.read` (JSONDecoder) reads back is the mapping written.
@Suite struct TokenMappingFileTests {
    static func roundTrip(_ mapping: TokenMapping) throws -> TokenMapping {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent(
            "transtok-mapping-file-\(getpid())-\(UUID().uuidString).json")
        defer { try? FileManager.default.removeItem(at: url) }
        try TokenMappingFile.write(mapping, to: url)
        try TokenMappingFile.write(mapping, to: url) // the second write replaces the first
        return try TokenMappingFile.read(from: url)
    }

    @Test func awkwardWeightsRoundTripExactly() throws {
        let tiny: Float = 1e-8, subnormal = Float.leastNonzeroMagnitude, subnormal2 = Float.leastNormalMagnitude / 3
        let rest = 1 - tiny - subnormal - subnormal2 - 0.1 - Float(1) / 3
        let mapping = TokenMapping(
            rows: [
                .init(
                    origin: .aligned, sources: [3, 0, 12, 7, 1, 2],
                    weights: [subnormal, subnormal2, tiny, 0.1, Float(1) / 3, rest]),
                .init(origin: .sourceMean, sources: [], weights: []),
                .init(origin: .special, sources: [9_999_999], weights: [1]),
                .init(origin: .sourceTokenization, sources: [5, 6], weights: [0.5, 0.5]),
                .init(origin: .smoothed, sources: [4], weights: [Float(1).nextDown]),
            ], sourceVocabularySize: 10_000_000)
        let read = try Self.roundTrip(mapping)
        #expect(read == mapping)
        for (a, b) in zip(read.rows, mapping.rows) {
            #expect(a.weights.map(\.bitPattern) == b.weights.map(\.bitPattern))
        }
    }

    /// Every origin, and many random weights (including subnormals and values near powers of ten) read back
    /// bit for bit; the text is what JSONDecoder decodes.
    @Test func randomWeightsRoundTripThroughJSONDecoder() throws {
        var generator = SystemRandomNumberGenerator()
        var weights: [Float] = (0..<20_000).map { _ in
            Float(bitPattern: UInt32.random(in: 0..<0x7F80_0000, using: &generator))
        }
        weights += [0, 1e-8, 0.1, 0.2, 0.3, 1e-45, 1e-38, 1e38, 123_456_789, 16_777_217, Float.greatestFiniteMagnitude]
        let rows = TokenMapping.Origin.allCases.map {
            TokenMapping.Row(origin: $0, sources: Array(0..<weights.count), weights: weights)
        }
        let mapping = TokenMapping(rows: rows, sourceVocabularySize: weights.count)
        let decoded = try JSONDecoder().decode(TokenMapping.self, from: Data(TokenMappingJSON.encode(mapping)))
        #expect(decoded.sourceVocabularySize == mapping.sourceVocabularySize)
        for (a, b) in zip(decoded.rows, mapping.rows) {
            #expect(a.origin == b.origin && a.sources == b.sources)
            #expect(a.weights.map(\.bitPattern) == b.weights.map(\.bitPattern))
        }
        // Sorted keys, as JSONEncoder's `.sortedKeys` wrote them.
        let text = String(
            decoding: try TokenMappingJSON.encode(
                TokenMapping(rows: [.init(origin: .aligned, sources: [1], weights: [1])], sourceVocabularySize: 2)),
            as: UTF8.self)
        #expect(text == #"{"rows":[{"origin":"aligned","sources":[1],"weights":[1.0]}],"sourceVocabularySize":2}"#)
    }

    @Test func nonFiniteWeightsAreRefused() {
        let mapping = TokenMapping(
            rows: [.init(origin: .aligned, sources: [0], weights: [.nan])], sourceVocabularySize: 1)
        #expect(throws: TransferError.malformedMapping("row 0: weight nan is not finite")) {
            try TokenMappingJSON.encode(mapping)
        }
    }
}
