import Foundation

/// The control API's JSON coding, shared by the daemon (replies) and the client (requests, replies): camelCase keys
/// as the wire types declare them, times as Unix seconds (`startedAt`, `createdAt`, `lastPublishedAt`, …), which
/// is what `curl --unix-socket … /v1/status` shows. What `transtok --json` prints is reshaped by the CLI
/// (snake_case, RFC 3339).
public enum ControlWire {
    public static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .secondsSince1970
        return encoder
    }

    public static func decoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .secondsSince1970
        return decoder
    }
}
