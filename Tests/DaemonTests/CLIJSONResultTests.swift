import Foundation
import Testing

/// #17: `--json` on `align` and `generate` prints machine-readable results (they printed their human output and
/// ignored the flag): JSON Lines of links for `align`, one object for `generate`.
@Suite struct CLIJSONResultTests {
    @Test func alignPrintsJSONLinesOfLinks() throws {
        let root = try makeTemporaryDirectory("align-json")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let input = root + "/pairs.txt"
        try "the house ||| la casa\nthe green house ||| la casa verde\nhouse ||| casa\n".write(
            toFile: input, atomically: true, encoding: .utf8)
        let plain = try runCommand(Binaries.cli, ["align", "--input", input, "--model", "ibm1", "-q"])
        let json = try runCommand(Binaries.cli, ["align", "--input", input, "--model", "ibm1", "--json"])
        #expect(plain.status == 0 && json.status == 0, "\(plain.stderr)\(json.stderr)")
        let objects = json.stdout.split(separator: "\n").map { line in
            (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any]
        }
        #expect(objects.count == 3 && objects.allSatisfy { $0 != nil }, "\(json.stdout)")
        // The same links as the Pharaoh output, line by line.
        let pharaoh = plain.stdout.split(separator: "\n", omittingEmptySubsequences: false).prefix(3).map(String.init)
        for (index, object) in objects.enumerated() {
            #expect(object?["line"] as? Int == index + 1)
            let links = (object?["links"] as? [[Int]]) ?? []
            #expect(links.map { "\($0[0])-\($0[1])" }.joined(separator: " ") == pharaoh[index], "\(json.stdout)")
        }
    }

    @Test func generatePrintsOneObject() throws {
        let root = try makeTemporaryDirectory("generate-json")
        defer { try? FileManager.default.removeItem(atPath: root) }
        try TinyModel.write(to: root + "/model")
        let run = try runCommand(
            Binaries.cli,
            ["generate", "--model", root + "/model", "--prompt", "hello", "--no-chat", "--max-tokens", "4", "--json"],
            timeout: 120)
        #expect(run.status == 0, "\(run.stderr)")
        let object = try #require(
            try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any], "\(run.stdout)")
        #expect(object["text"] is String)
        #expect((object["tokens"] as? Int).map { $0 > 0 && $0 <= 4 } == true, "\(object)")
        #expect((object["prompt_tokens"] as? Int).map { $0 > 0 } == true && object["finish_reason"] is String)
    }
}
