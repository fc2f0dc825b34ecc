/// Errors raised while loading, running or training a tokenizer. Messages name the offending part of the file.
public enum TokenizerError: Error, CustomStringConvertible, Equatable {
    case unreadable(path: String, reason: String)
    case invalidJSON(String)
    case unsupported(component: String, type: String)
    case invalidComponent(component: String, reason: String)
    case missingToken(String)
    case invalidInput(String)
    case training(String)

    public var description: String {
        switch self {
        case .unreadable(let path, let reason): return "cannot read tokenizer file \(path): \(reason)"
        case .invalidJSON(let reason): return "invalid tokenizer.json: \(reason)"
        case .unsupported(let component, let type): return "unsupported \(component) type \"\(type)\""
        case .invalidComponent(let component, let reason): return "invalid \(component): \(reason)"
        case .missingToken(let token): return "token \"\(token)\" is not in the vocabulary"
        case .invalidInput(let reason): return "invalid input: \(reason)"
        case .training(let reason): return "tokenizer training failed: \(reason)"
        }
    }
}
