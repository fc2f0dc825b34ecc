import Foundation
import Systems

/// JSON persistence of a `TokenMapping` (the daemon's mapping checkpoint; `transtok mapping show` reads it).
/// Written with `DurableFile` (temporary file, fsync, rename, directory fsync; pitfall 20).
public enum TokenMappingFile {
    public static func write(_ mapping: TokenMapping, to url: URL) throws {
        try DurableFile.write(try TokenMappingJSON.encode(mapping), to: url.path)
    }

    public static func read(from url: URL) throws -> TokenMapping {
        let mapping = try JSONDecoder().decode(TokenMapping.self, from: Data(contentsOf: url))
        try mapping.validate()
        return mapping
    }
}
