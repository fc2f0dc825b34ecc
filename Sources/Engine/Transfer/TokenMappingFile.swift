import Foundation

/// JSON persistence of a `TokenMapping` (the daemon's mapping checkpoint; `transtok mapping show` reads it).
/// Written atomically (temporary file + rename, pitfall 20).
public enum TokenMappingFile {
    public static func write(_ mapping: TokenMapping, to url: URL) throws {
        let data = Data(try TokenMappingJSON.encode(mapping))
        let tmp = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())")
        try data.write(to: tmp)
        // rename(2) replaces an existing file atomically (FileManager.replaceItemAt failed on Linux when the
        // destination existed: "The file doesn't exist").
        guard rename(tmp.path, url.path) == 0 else {
            let code = POSIXErrorCode(rawValue: errno) ?? .EIO
            try? FileManager.default.removeItem(at: tmp)
            throw POSIXError(code)
        }
    }

    public static func read(from url: URL) throws -> TokenMapping {
        let mapping = try JSONDecoder().decode(TokenMapping.self, from: Data(contentsOf: url))
        try mapping.validate()
        return mapping
    }
}
