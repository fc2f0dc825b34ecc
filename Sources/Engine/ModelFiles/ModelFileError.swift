/// Errors from reading or writing model files. Every malformed input ends here, never in a trap.
public enum ModelFileError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The file could not be opened, stat'ed or mapped.
    case cannotOpen(path: String, reason: String)
    /// A read ran past the end of the file (or of a declared region).
    case truncated(path: String, what: String, offset: Int, needed: Int, available: Int)
    /// The file does not start with the expected magic bytes.
    case badMagic(path: String, found: String)
    case unsupportedVersion(path: String, version: UInt32)
    /// A structurally invalid header: bad counts, offsets, overlaps, shapes, JSON, types.
    case invalidHeader(path: String, reason: String)
    case tensorNotFound(name: String)
    /// The tensor's element type cannot be decoded (or cannot be used for the requested operation).
    case unsupportedDType(name: String, dtype: String)
    /// A caller passed a tensor whose element count does not match its declared shape.
    case shapeMismatch(name: String, expected: [Int], elementCount: Int)
    /// Model metadata (config.json or GGUF keys) is missing or inconsistent.
    case invalidConfig(String)
    case io(path: String, reason: String)
    /// A line of a text file (`hydra_lexicon.tsv`) that does not follow its format.
    case malformedLine(path: String, line: Int, reason: String)
    /// The model's architecture (HF `model_type` or GGUF `general.architecture`) is not one transtok handles.
    case unsupportedArchitecture(path: String, name: String, supported: String)

    public var description: String {
        switch self {
        case .cannotOpen(let path, let reason): "cannot open \(path): \(reason)"
        case .truncated(let path, let what, let offset, let needed, let available):
            "\(path): truncated \(what): need \(needed) bytes at offset \(offset), only \(available) available"
        case .badMagic(let path, let found): "\(path): not the expected file format (magic \(found))"
        case .unsupportedVersion(let path, let version): "\(path): unsupported format version \(version)"
        case .invalidHeader(let path, let reason): "\(path): invalid header: \(reason)"
        case .tensorNotFound(let name): "no tensor named '\(name)'"
        case .unsupportedDType(let name, let dtype): "tensor '\(name)': unsupported dtype \(dtype)"
        case .shapeMismatch(let name, let expected, let count):
            "tensor '\(name)': shape \(expected) does not match \(count) elements"
        case .invalidConfig(let reason): "invalid model configuration: \(reason)"
        case .io(let path, let reason): "\(path): \(reason)"
        case .malformedLine(let path, let line, let reason): "\(path):\(line): \(reason)"
        case .unsupportedArchitecture(let path, let name, let supported):
            "\(path): architecture '\(name)' is not supported (supported: \(supported))"
        }
    }
}

extension ModelFileError {
    static func posix(_ path: String, _ what: String, _ code: Int32 = errnoValue()) -> ModelFileError {
        .io(path: path, reason: "\(what): \(String(cString: strerror(code)))")
    }
}

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

@inline(__always) func errnoValue() -> Int32 { errno }
