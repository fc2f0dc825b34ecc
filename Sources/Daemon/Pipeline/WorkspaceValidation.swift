import Engine
import Foundation

/// Checks a workspace's files before anything is saved (`workspace create`, `workspace rebuild`): the source model
/// opens as a model (its header, config and tokenizer; no weights are read), the target tokenizer parses, and the
/// watched folders exist — or are created, only when asked (`--create-dirs`). Each problem names its key and path.
enum WorkspaceValidation {
    struct Problem: Error, CustomStringConvertible {
        var key: String
        var message: String
        var description: String { "\(key): \(message)" }
    }

    /// The incremental aligner models a workspace may name, for messages.
    static var alignerNames: String { IncrementalAlignerModel.allCases.map(\.rawValue).joined(separator: ", ") }

    /// An incremental aligner model name (`IncrementalAlignerModel`).
    static func checkAligner(_ name: String, key: String) throws(Problem) {
        guard IncrementalAlignerModel(rawValue: name) != nil else {
            throw Problem(key: key, message: "must be one of \(alignerNames), got \(name)")
        }
    }

    /// A `.gguf` file (GGUF header, Llama tensor names) or a Hugging Face directory (`config.json` with a Llama
    /// configuration, `tokenizer.json`, safetensors with `model.embed_tokens.weight`).
    static func checkModel(_ path: String, key: String = "source_model") throws(Problem) {
        var info = stat()
        guard stat(path, &info) == 0 else { throw Problem(key: key, message: "\(path): \(String(cString: strerror(errno)))") }
        let kind = "expected a .gguf file or a Hugging Face model directory (config.json, tokenizer.json, *.safetensors)"
        do {
            switch info.st_mode & S_IFMT {
            case S_IFDIR:
                let directory = URL(fileURLWithPath: path)
                _ = try LlamaConfig(contentsOf: directory.appendingPathComponent("config.json"))
                guard access(path + "/tokenizer.json", R_OK) == 0 else {
                    throw Problem(key: key, message: "\(path) has no readable tokenizer.json (\(kind))")
                }
                let tensors = try TensorFiles.open(path: path)
                guard tensors.info("model.embed_tokens.weight") != nil else {
                    throw Problem(key: key, message: "\(path) has no model.embed_tokens.weight tensor")
                }
            case S_IFREG:
                guard access(path, R_OK) == 0 else { throw Problem(key: key, message: "\(path): \(String(cString: strerror(errno)))") }
                let gguf = try GGUFFile(path: path)
                _ = try GGUFLlamaTensors(gguf)
            default:
                throw Problem(key: key, message: "\(path) is neither a file nor a directory (\(kind))")
            }
        } catch let problem as Problem {
            throw problem
        } catch {
            throw Problem(key: key, message: "\(path) is not a usable model (\(kind)): \(error)")
        }
    }

    static func checkTokenizer(_ path: String, key: String = "target_tokenizer") throws(Problem) {
        guard access(path, R_OK) == 0 else { throw Problem(key: key, message: "\(path): \(String(cString: strerror(errno)))") }
        do { _ = try Tokenizer(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw Problem(key: key, message: "\(path) is not a usable tokenizer.json: \(error)")
        }
    }

    /// Every folder must be an existing directory; with `create`, missing ones are created (0755) — never otherwise,
    /// so a mistyped path is an error instead of a new empty folder.
    static func checkFolders(_ folders: [String], key: String, create: Bool) throws(Problem) {
        for folder in folders {
            var info = stat()
            if stat(folder, &info) == 0 {
                guard (info.st_mode & S_IFMT) == S_IFDIR else { throw Problem(key: key, message: "\(folder) is not a directory") }
                continue
            }
            guard errno == ENOENT, create else {
                let reason = errno == ENOENT ? "does not exist (pass --create-dirs to create it)" : String(cString: strerror(errno))
                throw Problem(key: key, message: "\(folder) \(reason)")
            }
            do {
                try FileManager.default.createDirectory(
                    atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
            } catch {
                throw Problem(key: key, message: "cannot create \(folder): \((error as NSError).localizedDescription)")
            }
        }
    }
}
