/// The distinct values of an array of non-negative Int32 (pair indices, word ids), ascending: an LSD radix sort
/// (passes of 11 bits, as many as the largest value needs) and one linear pass. A segment's pair-index cache holds
/// hundreds of thousands of entries spread over a table of millions of pairs, where a marker array costs a cache
/// miss per entry and a comparison sort of the distinct values still costs n log n.
enum DistinctSort {
    static func distinctSorted(_ values: [Int32]) -> [Int32] {
        guard values.count > 1 else { return values }
        var a = values, b = [Int32](repeating: 0, count: values.count)
        // Digits of the bit pattern: ascending for the non-negative values callers pass (a negative one would sort
        // last rather than trap).
        let maximum = values.reduce(UInt32(0)) { max($0, UInt32(bitPattern: $1)) }
        var shift: UInt32 = 0
        a.withUnsafeMutableBufferPointer { first in
            b.withUnsafeMutableBufferPointer { second in
                var source = first, target = second
                var counts = [Int](repeating: 0, count: 2048)
                while shift == 0 || (shift < 32 && maximum >> shift != 0) {
                    for i in counts.indices { counts[i] = 0 }
                    for v in source { counts[Int((UInt32(bitPattern: v) >> shift) & 2047)] += 1 }
                    var sum = 0
                    for i in counts.indices {
                        let c = counts[i]
                        counts[i] = sum
                        sum += c
                    }
                    for v in source {
                        let digit = Int((UInt32(bitPattern: v) >> shift) & 2047)
                        target[counts[digit]] = v
                        counts[digit] += 1
                    }
                    swap(&source, &target)
                    shift += 11
                }
                // After an odd number of passes the sorted values are in `b`: bring them to `a`.
                if source.baseAddress != first.baseAddress { first.update(fromContentsOf: source) }
            }
        }
        var out: [Int32] = []
        out.reserveCapacity(a.count / 2)
        var previous: Int32 = -1
        for v in a where v != previous {
            out.append(v)
            previous = v
        }
        return out
    }
}
