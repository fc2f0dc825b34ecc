import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Publishing a directory built under a temporary name (a checkpoint, a workspace's base weights, a model directory).
///
/// **The guarantee**: when `publish` returns, `path` is the complete new directory and survives a crash: its
/// entries and the directory itself were fsynced before the rename, and the parent after it. A crash before the
/// rename leaves `path` as it was (the temporary directory is the caller's to remove). When `path` already exists it
/// is first renamed aside (`.<name>.old-…` beside it) and removed only after the new directory is durably in place;
/// a crash between the two renames leaves `path` absent and the complete old directory beside it.
///
/// The files inside must already be durable (written with `DurableFile`, or fsynced with `DurableFile.sync`).
public enum DurableDirectory {
    public static func publish(_ temporary: String, at path: String, replacing: Bool = false) throws(DurableFileError) {
        try DurableFile.sync(path: temporary)
        let parent = DurableFile.directory(of: path)
        var old: String?
        var info = stat()
        if replacing, lstat(path, &info) == 0 {
            let aside =
                parent + "/." + (path as NSString).lastPathComponent
                + ".old-\(getpid())-\(String(UInt32.random(in: 0...UInt32.max), radix: 16))"
            guard rename(path, aside) == 0 else { throw DurableFileError(.rename, path: path) }
            old = aside
        }
        guard rename(temporary, path) == 0 else {
            let failure = DurableFileError(.rename, path: path)
            if let old { _ = rename(old, path) }
            throw failure
        }
        try DurableFile.syncDirectory(parent)
        if let old { try? FileManager.default.removeItem(atPath: old) }
    }
}
