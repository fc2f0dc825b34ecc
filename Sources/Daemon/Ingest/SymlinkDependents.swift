import Foundation

/// Symlinks of a watched folder read another file's content, but a file event names only the file that changed: the
/// stored symlinks that lead to a changed file are processed with it, or they would keep the pairs of its old version
/// (found by the soak: an edited file's symlink still held the 81 pairs of the version before the edit).
enum SymlinkDependents {
    /// The symlinks among `stored` (paths below `root`, not themselves in `changed`) whose destination, followed to
    /// the end, is one of `changed` (existing or just deleted).
    static func of(_ changed: [String], root: String, among stored: [String]) -> [String] {
        let targets = Set(changed.map(canonical))
        let changedSet = Set(changed)
        return stored.filter { path in
            guard path.hasPrefix(root + "/"), !changedSet.contains(path) else { return false }
            var info = stat()
            guard lstat(path, &info) == 0, info.st_mode & S_IFMT == S_IFLNK else { return false }
            return destination(ofLink: path).map { targets.contains($0) } ?? false
        }
    }

    /// Where the symlink at `path` leads, followed to the end: realpath when the end exists, else (a chain ending at a
    /// file just deleted) the links followed hop by hop, at most 40 as the kernel allows, the last one made absolute.
    private static func destination(ofLink path: String) -> String? {
        if let real = realpath(path, nil) {
            defer { free(real) }
            return String(cString: real)
        }
        var current = path
        for _ in 0..<40 {
            var info = stat()
            guard lstat(current, &info) == 0, info.st_mode & S_IFMT == S_IFLNK else { return canonical(current) }
            var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
            let count = readlink(current, &buffer, buffer.count - 1)
            guard count > 0 else { return nil }
            let hop = String(decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
            current = hop.hasPrefix("/") ? hop : (current as NSString).deletingLastPathComponent + "/" + hop
        }
        return nil
    }

    /// `path` with its symlinks resolved: realpath when it exists, else its folder's realpath and its name.
    private static func canonical(_ path: String) -> String {
        if let real = realpath(path, nil) {
            defer { free(real) }
            return String(cString: real)
        }
        let standardized = (path as NSString).standardizingPath
        let folder = (standardized as NSString).deletingLastPathComponent
        guard let realFolder = realpath(folder, nil) else { return standardized }
        defer { free(realFolder) }
        return String(cString: realFolder) + "/" + (standardized as NSString).lastPathComponent
    }
}
