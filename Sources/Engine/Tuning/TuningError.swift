/// What can go wrong while tuning embedding rows: bad tables or batches, a model the trainer cannot run, a damaged
/// optimizer state file. Every case names the tensor, file or value at fault.
public enum TuningError: Error, CustomStringConvertible, Equatable {
    case missingTensor(String)
    case shapeMismatch(tensor: String, expected: [Int], found: [Int])
    case invalidOptions(String)
    case invalidBatch(String)
    case notEnoughText(String)
    case stateFile(path: String, reason: String)

    public var description: String {
        switch self {
        case .missingTensor(let n): return "tuning: weight tensor '\(n)' is missing from the model"
        case .shapeMismatch(let n, let e, let f): return "tuning: tensor '\(n)' has shape \(f), expected \(e)"
        case .invalidOptions(let m): return "tuning: invalid options: \(m)"
        case .invalidBatch(let m): return "tuning: invalid batch: \(m)"
        case .notEnoughText(let m): return "tuning: not enough text: \(m)"
        case .stateFile(let p, let r): return "tuning state file \(p): \(r)"
        }
    }
}
