/// How a tuned table follows a new token mapping (the daemon's refresh cycle, issue #15 item 4).
///
/// Every row whose mapping changed gets the new mapping's initialisation. When the change is small, the offset tuning
/// added to the old initialisation is carried over — new row = new init + (tuned − old init) — and the row keeps its
/// optimizer moments; when the change is *material*, the row starts over from the new initialisation with fresh
/// moments. Material: the row is new (beyond the old mapping), or its initialisation moved by more than `threshold`
/// of its old norm (relative L2, ‖new init − old init‖ / ‖old init‖). An incremental aligner shifts the weights of
/// frequent tokens a little at every batch; re-initialising all of those rows discarded most of what tuning had
/// gained (docs/method.md, "Daemon tuning across cycles": the two-cycle measurement that chose the threshold).
public struct TunedRowCarry: Sendable, Equatable {
    /// Relative L2 movement of a row's initialisation above which the row is re-initialised.
    public var threshold: Float

    /// The threshold chosen by the two-cycle daemon measurement (docs/method.md): 0.25, 0.5 and 1 scored alike,
    /// 0 (every changed row re-initialised) and ∞ (every offset carried) worse.
    public static let defaultThreshold: Float = 0.5

    public init(threshold: Float = Self.defaultThreshold) {
        self.threshold = threshold
    }

    /// Which changed rows keep their tuned offset and which start over.
    public struct Plan: Sendable, Equatable {
        /// Rows whose tuned offset is carried onto the new initialisation (moments kept).
        public var carried: [Int]
        /// Rows re-initialised from the new mapping (moments reset).
        public var reinitialised: [Int]

        public init(carried: [Int], reinitialised: [Int]) {
            self.carried = carried
            self.reinitialised = reinitialised
        }
    }

    /// Splits `ids` (rows whose mapping changed from `old` to `new`) by how far their initialisation from `source`
    /// moved. Ids outside `new` are refused.
    public func plan(
        _ ids: [Int], old: TokenMapping, new: TokenMapping, source: EmbeddingMatrix, remapper: EmbeddingRemapper
    ) throws(TransferError) -> Plan {
        try assess(ids, old: old, new: new, source: source, remapper: remapper).plan
    }

    /// Plans `ids` on `source` and writes the rows into `table` in one pass: each row's old and new initialisation is
    /// computed once, decides the row and is written (the same rows as `plan` then `apply`). Use `apply` with the
    /// returned plan for a second table over the same mappings (the head follows the input embedding's decisions).
    public func carry(
        _ ids: [Int], old: TokenMapping, new: TokenMapping, source: EmbeddingMatrix, to table: inout EmbeddingMatrix,
        remapper: EmbeddingRemapper
    ) throws(TransferError) -> Plan {
        try Self.checkShape(of: table, new: new, source: source)
        let assessment = try assess(ids, old: old, new: new, source: source, remapper: remapper)
        Self.write(assessment.rows, before: assessment.before, after: assessment.after, into: &table)
        return assessment.plan
    }

    /// Writes the rows of `plan` into `table` (a tuned table over `new`'s target vocabulary): re-initialised rows get
    /// the new initialisation from `source`; carried rows get it plus their offset from the old initialisation.
    public func apply(
        _ plan: Plan, old: TokenMapping, new: TokenMapping, source: EmbeddingMatrix, to table: inout EmbeddingMatrix,
        remapper: EmbeddingRemapper
    ) throws(TransferError) {
        try Self.checkShape(of: table, new: new, source: source)
        if plan.carried.contains(where: { $0 >= old.targetVocabularySize }) {
            throw .shapeMismatch("a carried row is beyond the old mapping's \(old.targetVocabularySize) rows")
        }
        let before = try Self.initialRows(plan.carried, mapping: old, source: source, remapper: remapper)
        let after = try Self.initialRows(
            plan.carried + plan.reinitialised, mapping: new, source: source, remapper: remapper)
        let rows =
            plan.carried.enumerated().map { RowSource(id: $1, after: $0, before: $0) }
            + plan.reinitialised.enumerated().map { RowSource(id: $1, after: plan.carried.count + $0, before: nil) }
        Self.write(rows, before: before, after: after, into: &table)
    }

    /// Where a row's new value comes from: row `after` of the new initialisations, plus (when carried) the offset of
    /// the table's row from row `before` of the old ones.
    private struct RowSource {
        var id: Int
        var after: Int
        var before: Int?
    }

    /// The initialisations of `ids` under both mappings (each computed once) and the plan they decide.
    private struct Assessment {
        var plan: Plan
        var rows: [RowSource]
        var before: EmbeddingMatrix
        var after: EmbeddingMatrix
    }

    private func assess(
        _ ids: [Int], old: TokenMapping, new: TokenMapping, source: EmbeddingMatrix, remapper: EmbeddingRemapper
    ) throws(TransferError) -> Assessment {
        let known = ids.filter { $0 < old.targetVocabularySize }
        let before = try Self.initialRows(known, mapping: old, source: source, remapper: remapper)
        let after = try Self.initialRows(ids, mapping: new, source: source, remapper: remapper)
        var plan = Plan(carried: [], reinitialised: [])
        var rows: [RowSource] = []
        rows.reserveCapacity(ids.count)
        let d = source.columns
        var k = 0 // row of `before` for the next known id
        for (i, id) in ids.enumerated() {
            guard id < old.targetVocabularySize else {
                plan.reinitialised.append(id)
                rows.append(RowSource(id: id, after: i, before: nil))
                continue
            }
            var moved: Float = 0, norm: Float = 0
            for j in 0..<d {
                let o = before.values[k * d + j], n = after.values[i * d + j]
                moved += (n - o) * (n - o)
                norm += o * o
            }
            // (a zero old row has no direction to keep: any movement is material)
            let relative = norm > 0 ? (moved / norm).squareRoot() : (moved > 0 ? Float.infinity : 0)
            if relative > threshold {
                plan.reinitialised.append(id)
                rows.append(RowSource(id: id, after: i, before: nil))
            } else {
                plan.carried.append(id)
                rows.append(RowSource(id: id, after: i, before: k))
            }
            k += 1
        }
        plan.reinitialised.sort()
        return Assessment(plan: plan, rows: rows, before: before, after: after)
    }

    private static func checkShape(
        of table: EmbeddingMatrix, new: TokenMapping, source: EmbeddingMatrix
    ) throws(TransferError) {
        guard table.rows == new.targetVocabularySize, table.columns == source.columns else {
            throw .shapeMismatch(
                "tuned table \(table.rows) × \(table.columns), mapping \(new.targetVocabularySize) rows of \(source.columns)"
            )
        }
    }

    /// Writes each row of `rows`: its new initialisation, plus its tuned offset when it is carried.
    private static func write(
        _ rows: [RowSource], before: EmbeddingMatrix, after: EmbeddingMatrix, into table: inout EmbeddingMatrix
    ) {
        let d = table.columns
        for row in rows {
            let t = row.id * d, a = row.after * d
            if let b = row.before.map({ $0 * d }) {
                for j in 0..<d {
                    table.values[t + j] = after.values[a + j] + (table.values[t + j] - before.values[b + j])
                }
            } else {
                for j in 0..<d { table.values[t + j] = after.values[a + j] }
            }
        }
    }

    /// The initialisation of rows `ids` under `mapping`, row i of the result for `ids[i]`.
    static func initialRows(
        _ ids: [Int], mapping: TokenMapping, source: EmbeddingMatrix, remapper: EmbeddingRemapper
    ) throws(TransferError) -> EmbeddingMatrix {
        for id in ids where id < 0 || id >= mapping.targetVocabularySize {
            throw .shapeMismatch("target id \(id) out of range (\(mapping.targetVocabularySize) rows)")
        }
        if ids.isEmpty { return EmbeddingMatrix(zeros: 0, columns: source.columns) }
        let rows = TokenMapping(
            rows: ids.map { mapping.rows[$0] }, sourceVocabularySize: mapping.sourceVocabularySize)
        return try remapper.remap(source, mapping: rows)
    }
}
