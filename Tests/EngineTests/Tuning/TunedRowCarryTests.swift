import Foundation
import Testing

@testable import Engine

/// The daemon's cycle moves tuned rows onto a new mapping (`TunedRowCarry`): a row whose initialisation moved a little
/// keeps its tuned offset; a row whose mapping changed completely, or a new row, starts over from the new mapping.
@Suite("Tuning: carrying tuned rows onto a new mapping")
struct TunedRowCarryTests {
    // Four source rows of width 3, mutually far apart.
    static let source: EmbeddingMatrix = {
        var m = EmbeddingMatrix(zeros: 4, columns: 3)
        m.values = [1, 0, 0, 0, 1, 0, 0, 0, 1, -1, -1, 2]
        return m
    }()
    static func row(_ sources: [Int], _ weights: [Float]) -> TokenMapping.Row {
        TokenMapping.Row(origin: .aligned, sources: sources, weights: weights)
    }
    // Target rows: 0 shifts its weights a little, 1 changes its source completely, 2 does not change.
    static let old = TokenMapping(
        rows: [row([0, 1], [0.5, 0.5]), row([2], [1]), row([3], [1])], sourceVocabularySize: 4)
    static let new = TokenMapping(
        rows: [row([0, 1], [0.45, 0.55]), row([3], [1]), row([3], [1]), row([1, 2], [0.5, 0.5])],
        sourceVocabularySize: 4)
    static let offset: [Float] = [0.1, -0.2, 0.3]

    func initial(_ mapping: TokenMapping, _ id: Int) throws -> [Float] {
        Array(try EmbeddingRemapper(parallelism: 1).remap(Self.source, mapping: mapping).row(id))
    }

    /// A tuned table over the new vocabulary: old init + `offset` × `scale(id)` on rows 0–2, row 3 new (zeros).
    func tunedTable(scale: (Int) -> Float = { _ in 1 }) throws -> EmbeddingMatrix {
        var table = EmbeddingMatrix(zeros: 4, columns: 3)
        for id in 0..<3 {
            let start = try initial(Self.old, id)
            for j in 0..<3 { table.values[id * 3 + j] = start[j] + Self.offset[j] * scale(id) }
        }
        return table
    }

    @Test("a slightly moved row keeps its tuned offset; a replaced or new row is re-initialised")
    func carriesSmallChangesAndResetsMaterialOnes() throws {
        let remapper = EmbeddingRemapper(parallelism: 1)
        var table = try tunedTable()
        let changed = Self.new.changedTargetIDs(comparedTo: Self.old)
        #expect(changed == [0, 1, 3])
        let carry = TunedRowCarry()
        let plan = try carry.plan(changed, old: Self.old, new: Self.new, source: Self.source, remapper: remapper)
        #expect(plan == TunedRowCarry.Plan(carried: [0], reinitialised: [1, 3]))

        let unchanged = Array(table.row(2))
        try carry.apply(plan, old: Self.old, new: Self.new, source: Self.source, to: &table, remapper: remapper)
        let moved = try initial(Self.new, 0)
        for j in 0..<3 {
            // The old rule (re-initialise every changed row) would leave row 0 at `moved`, without the offset.
            #expect(abs(table.row(0)[j] - (moved[j] + Self.offset[j])) < 1e-6, "row 0, column \(j)")
        }
        #expect(Array(table.row(1)) == (try initial(Self.new, 1)))
        #expect(Array(table.row(3)) == (try initial(Self.new, 3)))
        #expect(Array(table.row(2)) == unchanged)
    }

    @Test("the threshold decides: 0 re-initialises every moved row, a large one carries every known row")
    func thresholdBounds() throws {
        let remapper = EmbeddingRemapper(parallelism: 1)
        let changed = Self.new.changedTargetIDs(comparedTo: Self.old)
        let strict = try TunedRowCarry(threshold: 0).plan(
            changed, old: Self.old, new: Self.new, source: Self.source, remapper: remapper)
        #expect(strict == TunedRowCarry.Plan(carried: [], reinitialised: [0, 1, 3]))
        let loose = try TunedRowCarry(threshold: 100).plan(
            changed, old: Self.old, new: Self.new, source: Self.source, remapper: remapper)
        #expect(loose == TunedRowCarry.Plan(carried: [0, 1], reinitialised: [3]), "a new row has nothing to carry")
        // A table of the wrong shape is refused.
        var small = EmbeddingMatrix(zeros: 2, columns: 3)
        #expect(throws: TransferError.self) {
            try TunedRowCarry().apply(
                loose, old: Self.old, new: Self.new, source: Self.source, to: &small, remapper: remapper)
        }
    }

    @Test("carry plans and writes in one pass: the same plan and the same rows as plan, then apply")
    func carryIsPlanThenApply() throws {
        let remapper = EmbeddingRemapper(parallelism: 1)
        let table = try tunedTable { Float($0 + 1) } // (a different offset per row)
        // Unsorted ids, a new row among them: the rows are matched by id, not by position.
        let changed = [3, 1, 0]
        for threshold: Float in [0, TunedRowCarry.defaultThreshold, 100] {
            let carry = TunedRowCarry(threshold: threshold)
            var planned = table, carried = table
            let plan = try carry.plan(changed, old: Self.old, new: Self.new, source: Self.source, remapper: remapper)
            try carry.apply(plan, old: Self.old, new: Self.new, source: Self.source, to: &planned, remapper: remapper)
            let onePass = try carry.carry(
                changed, old: Self.old, new: Self.new, source: Self.source, to: &carried, remapper: remapper)
            #expect(onePass == plan, "threshold \(threshold)")
            #expect(carried.values == planned.values, "threshold \(threshold)")
            #expect(carried.values != table.values)
        }
        // A table of the wrong shape is refused before a row is written.
        var small = EmbeddingMatrix(zeros: 2, columns: 3)
        #expect(throws: TransferError.self) {
            try TunedRowCarry().carry(
                changed, old: Self.old, new: Self.new, source: Self.source, to: &small, remapper: remapper)
        }
        #expect(small.values == Array(repeating: 0, count: 6))
    }
}
