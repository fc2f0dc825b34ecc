import Foundation

/// JSON persistence of a `TokenMapping` (the daemon's mapping checkpoint; `transtok mapping show` reads it).
/// Written atomically (temporary file + rename, pitfall 20).
public enum TokenMappingFile {
    public static func write(_ mapping: TokenMapping, to url: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let data = try encoder.encode(mapping)
        let tmp = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())")
        try data.write(to: tmp)
        if FileManager.default.fileExists(atPath: url.path) {
            _ = try FileManager.default.replaceItemAt(url, withItemAt: tmp)
        } else {
            try FileManager.default.moveItem(at: tmp, to: url)
        }
    }

    public static func read(from url: URL) throws -> TokenMapping {
        let mapping = try JSONDecoder().decode(TokenMapping.self, from: Data(contentsOf: url))
        try mapping.validate()
        return mapping
    }
}
