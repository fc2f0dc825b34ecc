import Testing

@testable import Engine

@Suite struct DistinctSortTests {
    @Test func radixDistinctEqualsSetSorted() {
        var generator = SystemRandomNumberGenerator()
        for (count, bound) in [
            (0, 1), (1, 5), (2, 1), (1_000, 50), (70_000, 3_000_000), (50_000, Int(Int32.max)), (3_000, 2_048),
            (3_000, 2_049),
        ] {
            let values = (0..<count).map { _ in Int32(Int.random(in: 0..<bound, using: &generator)) }
            #expect(DistinctSort.distinctSorted(values) == Set(values).sorted(), "count \(count), bound \(bound)")
        }
        #expect(DistinctSort.distinctSorted([5, 0, 5, Int32.max, 0]) == [0, 5, Int32.max])
    }
}
