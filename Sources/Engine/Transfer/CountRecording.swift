/// Where the heuristic counts go: straight into a `CountTable`, or into a `CountRecording` that is replayed onto
/// every refresh's table.
protocol CountSink {
    mutating func add(target: Int, source: Int, _ count: Double, origin: TokenMapping.Origin)
    mutating func set(target: Int, _ row: [Int: Double], origin: TokenMapping.Origin)
}

extension CountTable: CountSink {}

/// The heuristic counts of two vocabularies, computed once and replayed in their original order onto each new
/// alignment table. The order matters: the same additions in another order can give different floating-point
/// sums, and a replay must give the table a direct computation would.
struct CountRecording: CountSink, Sendable {
    enum Operation: Sendable {
        case add(target: Int, source: Int, count: Double, origin: TokenMapping.Origin)
        case set(target: Int, row: [Int: Double], origin: TokenMapping.Origin)
    }

    private(set) var operations: [Operation] = []

    mutating func add(target: Int, source: Int, _ count: Double, origin: TokenMapping.Origin) {
        operations.append(.add(target: target, source: source, count: count, origin: origin))
    }

    mutating func set(target: Int, _ row: [Int: Double], origin: TokenMapping.Origin) {
        operations.append(.set(target: target, row: row, origin: origin))
    }

    func replay(onto table: inout CountTable) {
        for operation in operations {
            switch operation {
            case let .add(target, source, count, origin):
                table.add(target: target, source: source, count, origin: origin)
            case let .set(target, row, origin): table.set(target: target, row, origin: origin)
            }
        }
    }
}
