import Foundation

/// The one shape of the CLI's JSON (`--json` results and errors): snake_case keys like the daemon's config file,
/// times as RFC 3339 strings (`2026-12-05T01:16:52Z`), sorted keys, no escaped slashes.
///
/// The control API's wire types keep their own encoding; only what `transtok` prints goes through this.
enum JSONOutput {
    static func encoder(pretty: Bool = true) -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting =
            pretty
            ? [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            : [
                .sortedKeys, .withoutEscapingSlashes,
            ]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.dateEncodingStrategy = .iso8601
        return encoder
    }

    /// The decoder that reads it back (tests, scripts written in Swift).
    static func decoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }

    static func string(_ value: some Encodable, pretty: Bool = true) throws -> String {
        String(decoding: try encoder(pretty: pretty).encode(value), as: UTF8.self)
    }
}

/// JSON for `--json` output on stdout.
func printJSON(_ value: some Encodable) throws {
    print(try JSONOutput.string(value))
}
