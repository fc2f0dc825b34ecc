import Foundation
import Systems

/// File checks and copies whose errors name the file and say what is wrong in words (never a raw
/// `NSCocoaErrorDomain` code).
enum FileChecks {
    /// `path` as an absolute path, if it is a readable regular file.
    static func readableFile(_ path: String) throws(CLIError) -> String {
        let absolute = absolutePath(path)
        var info = stat()
        guard stat(absolute, &info) == 0 else {
            throw CLIError(code: .notFound, message: "\(path): \(String(cString: strerror(errno)))")
        }
        if (info.st_mode & S_IFMT) == S_IFDIR {
            throw CLIError(code: .invalidArgument, message: "\(path) is a directory, not a file")
        }
        guard access(absolute, R_OK) == 0 else {
            throw CLIError(code: .permissionDenied, message: "\(path): \(String(cString: strerror(errno)))")
        }
        return absolute
    }

    /// The bytes of a readable regular file.
    static func contents(of path: String) throws(CLIError) -> Data {
        let absolute = try readableFile(path)
        do { return try Data(contentsOf: URL(fileURLWithPath: absolute)) } catch {
            throw CLIError(code: .invalidArgument, message: "\(path): \(FileErrorText.reason(error, path: absolute))")
        }
    }

    /// Copies `source` into `folder` under its own name (a numeric suffix if taken): a temporary file, flushed to
    /// disk, then renamed, so the daemon's watcher never sees a partial file.
    static func copyAtomically(_ source: String, into folder: String) throws(CLIError) -> String {
        let name = (source as NSString).lastPathComponent
        var destination = folder + "/" + name
        var counter = 1
        while access(destination, F_OK) == 0 {
            let ext = (name as NSString).pathExtension
            let stem = (name as NSString).deletingPathExtension
            destination = folder + "/" + stem + "-\(counter)" + (ext.isEmpty ? "" : "." + ext)
            counter += 1
        }
        let temporary = folder + "/.\(name).\(getpid()).tmp"
        func fail(_ what: String) -> CLIError {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            return CLIError(code: .internal, message: "cannot copy \(source) to \(folder): \(what): \(reason)")
        }
        let input = open(source, O_RDONLY | O_CLOEXEC)
        guard input >= 0 else { throw fail("open \(source)") }
        defer { close(input) }
        let output = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard output >= 0 else { throw fail("create \(temporary)") }
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(input, $0.baseAddress, $0.count) }
            if count < 0 {
                close(output)
                throw fail("read")
            }
            if count == 0 { break }
            var written = 0
            while written < count {
                let n = buffer.withUnsafeBytes { write(output, $0.baseAddress! + written, count - written) }
                if n < 0 {
                    close(output)
                    throw fail("write")
                }
                written += n
            }
        }
        guard fsync(output) == 0 else {
            close(output)
            throw fail("fsync")
        }
        close(output)
        guard rename(temporary, destination) == 0 else { throw fail("rename to \(destination)") }
        let directory = open(folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if directory >= 0 {
            fsync(directory)
            close(directory)
        }
        return destination
    }
}
