import Engine
import Entities
import Foundation
import Systems

/// Checks a workspace's files before anything is saved (`workspace create`, `workspace rebuild`): the source model
/// opens as a model (its header, config and tokenizer; no weights are read), the target tokenizer parses, and the
/// watched folders exist — or are created, only when asked (`--create-dirs`). Each problem names its key and path.
enum WorkspaceValidation {
    struct Problem: Error, CustomStringConvertible {
        var key: String
        var message: String
        var description: String { "\(key): \(message)" }
    }

    /// A source model the daemon can adapt: `ModelValidation.check` (a `.gguf` file or a Hugging Face directory of
    /// a supported architecture, headers only), and a decoder with Llama-family tensor names, which is what the
    /// refresh cycle rewrites.
    static func checkModel(_ path: String, key: String = "source_model") throws(Problem) {
        var info = stat()
        guard stat(path, &info) == 0 else {
            throw Problem(key: key, message: "\(path): \(String(cString: strerror(errno)))")
        }
        let summary: ModelSummary
        do { summary = try ModelValidation.check(path: path) } catch {
            throw Problem(
                key: key, message: "\(path) is not a usable model: \(FileErrorText.reason(error, path: path))")
        }
        guard summary.kind == .decoder, summary.roles.embedding == CheckpointLayout.embeddingTensor else {
            throw Problem(
                key: key,
                message: "\(path) is a '\(summary.architecture)' \(summary.kind); the daemon adapts "
                    + "decoders with Llama-family tensor names (llama, mistral, qwen2, phi3, gemma); use `transtok transfer` for it"
            )
        }
    }

    static func checkTokenizer(_ path: String, key: String = "target_tokenizer") throws(Problem) {
        guard access(path, R_OK) == 0 else {
            throw Problem(key: key, message: "\(path): \(String(cString: strerror(errno)))")
        }
        do { _ = try Tokenizer(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw Problem(
                key: key, message: "\(path) is not a usable tokenizer.json: \(FileErrorText.reason(error, path: path))")
        }
    }

    /// What is at a watched folder's path.
    enum FolderState: Equatable {
        case directory, missing, notDirectory
        case unusable(String)
    }

    static func folderState(_ folder: String) -> FolderState {
        var info = stat()
        guard stat(folder, &info) == 0 else {
            return errno == ENOENT ? .missing : .unusable(String(cString: strerror(errno)))
        }
        return (info.st_mode & S_IFMT) == S_IFDIR ? .directory : .notDirectory
    }

    /// Every folder must be an existing directory; with `create`, missing ones are created (0755) — never otherwise,
    /// so a mistyped path is an error instead of a new empty folder.
    static func checkFolders(_ folders: [String], key: String, create: Bool) throws(Problem) {
        for folder in folders {
            switch folderState(folder) {
            case .directory: continue
            case .notDirectory: throw Problem(key: key, message: "\(folder) is not a directory")
            case .unusable(let reason): throw Problem(key: key, message: "\(folder) \(reason)")
            case .missing:
                guard create else {
                    throw Problem(key: key, message: "\(folder) does not exist (pass --create-dirs to create it)")
                }
            }
            do {
                try FileManager.default.createDirectory(
                    atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
            } catch {
                throw Problem(key: key, message: "cannot create \(folder): \(FileErrorText.reason(error))")
            }
        }
    }
}
