import Foundation

/// Reads the config file's bytes and parses its JSON with errors a person can act on: the file name, what is wrong
/// with it in words (no such file, a directory, permission denied), and for bad JSON the line and column.
enum ConfigFileReader {
    static func read(path: String) throws(ConfigError) -> Data {
        var info = stat()
        guard stat(path, &info) == 0 else { throw .unreadable(path: path, reason: String(cString: strerror(errno))) }
        if (info.st_mode & S_IFMT) == S_IFDIR { throw .unreadable(path: path, reason: "it is a directory, not a file") }
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw .unreadable(path: path, reason: String(cString: strerror(errno)))
        }
        defer { try? handle.close() }
        do { return try handle.readToEnd() ?? Data() } catch {
            throw .unreadable(path: path, reason: "read failed: \(String(cString: strerror(errno)))")
        }
    }

    static func parse(_ data: Data, path: String) throws(ConfigError) -> Any {
        do { return try JSONSerialization.jsonObject(with: data) } catch {
            throw .malformed(path: path, reason: describe(error, in: data))
        }
    }

    /// "line L, column C: what" from Foundation's JSON error, which gives a line and column, a character offset, or
    /// only "Unexpected end of file" (then the position is the end of the file).
    static func describe(_ error: any Error, in data: Data) -> String {
        let nsError = error as NSError
        let detail = (nsError.userInfo[NSDebugDescriptionErrorKey] as? String) ?? nsError.localizedDescription
        if detail.range(of: #"line \d+, column \d+"#, options: .regularExpression) != nil { return detail }
        if let match = detail.range(of: #"character \d+"#, options: .regularExpression),
            let offset = Int(detail[match].dropFirst("character ".count))
        {
            let (line, column) = position(ofByte: offset, in: data)
            return "line \(line), column \(column): \(detail)"
        }
        if detail.lowercased().contains("end of file") || data.isEmpty {
            let (line, column) = position(ofByte: data.count, in: data)
            return
                "line \(line), column \(column): the JSON ends early (\(data.isEmpty ? "the file is empty" : "truncated?"))"
        }
        return detail
    }

    /// 1-based line and column (in characters) of a byte offset.
    static func position(ofByte offset: Int, in data: Data) -> (line: Int, column: Int) {
        let prefix = data.prefix(max(0, min(offset, data.count)))
        let line = prefix.reduce(1) { $1 == UInt8(ascii: "\n") ? $0 + 1 : $0 }
        let lastLine =
            prefix.lastIndex(of: UInt8(ascii: "\n")).map { prefix[(prefix.index(after: $0))...] } ?? prefix[...]
        return (line, String(decoding: lastLine, as: UTF8.self).count + 1)
    }
}
