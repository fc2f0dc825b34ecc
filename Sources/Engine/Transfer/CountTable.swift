/// `C[target id][source id]`: accumulated evidence that a target token means a source token, keyed by id.
/// Counts are Doubles; paper mode only ever adds whole numbers, so they stay exact integers there.
public struct CountTable: Sendable, Equatable {
    public private(set) var rows: [[Int: Double]]
    /// Where each row's evidence came from (strongest kind wins), for the report.
    public private(set) var origins: [TokenMapping.Origin?]

    public init(targetVocabularySize: Int) {
        rows = Array(repeating: [:], count: targetVocabularySize)
        origins = Array(repeating: nil, count: targetVocabularySize)
    }

    public var targetVocabularySize: Int { rows.count }

    public func isMapped(_ target: Int) -> Bool { !rows[target].isEmpty }

    public func total(_ target: Int) -> Double { rows[target].values.reduce(0, +) }

    public mutating func add(target: Int, source: Int, _ count: Double, origin: TokenMapping.Origin) {
        guard target >= 0, target < rows.count else { return }
        rows[target][source, default: 0] += count
        if let old = origins[target], old.priority >= origin.priority { return }
        origins[target] = origin
    }

    /// Replaces a row outright (explicit special-token mapping in the default mode).
    public mutating func set(target: Int, _ row: [Int: Double], origin: TokenMapping.Origin) {
        guard target >= 0, target < rows.count else { return }
        rows[target] = row
        origins[target] = origin
    }
}
