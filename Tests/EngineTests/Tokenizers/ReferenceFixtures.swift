import Foundation

@testable import Engine

/// Loads the committed tokenizer fixtures (`Fixtures/tokenizers`, see its README).
enum ReferenceFixtures {
    struct Line: Sendable {
        let ids: [Int]
        let offsets: [Range<Int>]
        let decoded: String
    }

    static func url(_ name: String) -> URL { TestPaths.fixtures.appendingPathComponent("tokenizers/\(name)") }

    static func tokenizer(_ name: String) throws -> Tokenizer {
        try Tokenizer(contentsOf: url("\(name).tokenizer.json.gz"))
    }

    /// GPT-2 with the Llama-3 split: gpt2's file with `gpt2-llama3.overrides.json` patched in.
    static func gpt2Llama3() throws -> Tokenizer {
        let base = try TokenizerFileData.read(url("gpt2.tokenizer.json.gz"))
        guard var json = try JSONReader.parse(base) as? [String: Any],
            let overrides = try JSONReader.parse([UInt8](Data(contentsOf: url("gpt2-llama3.overrides.json"))))
                as? [String: Any]
        else { throw TokenizerError.invalidJSON("fixture") }
        for (k, v) in overrides { json[k] = v }
        return try Tokenizer(json: json)
    }

    static func named(_ name: String) throws -> Tokenizer {
        name == "gpt2-llama3" ? try gpt2Llama3() : try tokenizer(name)
    }

    /// The stress text split on "\n" only (Swift's `split` on Character would merge "\r\n").
    static func stressLines() throws -> [String] {
        let bytes = try TokenizerFileData.read(url("stress.txt.gz"))
        return bytes.split(separator: 0x0A, omittingEmptySubsequences: false).map {
            String(decoding: $0, as: UTF8.self)
        }
    }

    static func reference(_ name: String) throws -> [Line] {
        let bytes = try TokenizerFileData.read(url("\(name).reference.jsonl.gz"))
        return try bytes.split(separator: 0x0A).map { line in
            guard let o = try JSONReader.parse(Array(line)) as? [String: Any],
                let ids = (o["ids"] as? [NSNumber])?.map(\.intValue),
                let offs = (o["offsets"] as? [[NSNumber]])?.map({ $0.map(\.intValue) }),
                let dec = o["decoded"] as? String
            else { throw TokenizerError.invalidJSON("reference line") }
            return Line(ids: ids, offsets: offs.map { $0[0]..<$0[1] }, decoded: dec)
        }
    }
}
