/// Hand-written matchers for the split regexes almost every byte-level tokenizer uses (GPT-2's, which HF's
/// ByteLevel pre-tokenizer applies internally, and Llama-3's). They reproduce Oniguruma's leftmost,
/// first-alternative-wins semantics exactly, scanning scalars with the precomputed class table.
enum KnownSplitPattern: Sendable {
    case gpt2
    case llama3

    static let gpt2Pattern = #"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"#
    static let llama3Pattern =
        #"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"#

    init?(pattern: String) {
        // Compare scalar by scalar: String equality is canonical equivalence.
        if pattern.unicodeScalars.elementsEqual(KnownSplitPattern.gpt2Pattern.unicodeScalars) {
            self = .gpt2
        } else if pattern.unicodeScalars.elementsEqual(KnownSplitPattern.llama3Pattern.unicodeScalars) {
            self = .llama3
        } else {
            return nil
        }
    }

    func matches(in s: [UInt32]) -> [Range<Int>] {
        var result = [Range<Int>]()
        result.reserveCapacity(s.count / 3 + 1)
        s.withUnsafeBufferPointer { buf in
            var i = 0
            while i < buf.count {
                let end: Int
                switch self {
                case .gpt2: end = KnownSplitPattern.gpt2Match(buf, i)
                case .llama3: end = KnownSplitPattern.llama3Match(buf, i)
                }
                // Every position matches one of the alternatives (the last is \s+ and the classes cover the rest).
                let e = max(end, i + 1)
                result.append(i..<e)
                i = e
            }
        }
        return result
    }

    @inline(__always) private static func cls(_ v: UInt32) -> UInt8 { UnicodeClasses.classes(v) }
    private static let L = UnicodeClasses.letter, N = UnicodeClasses.number, S = UnicodeClasses.whitespace

    /// Length of the `'s|'t|'re|'ve|'m|'ll|'d` contraction at i (0 if none).
    @inline(__always) private static func contraction(_ s: UnsafeBufferPointer<UInt32>, _ i: Int, caseless: Bool) -> Int
    {
        guard s[i] == 0x27, i + 1 < s.count else { return 0 }
        func lower(_ v: UInt32) -> UInt32 {
            guard caseless else { return v }
            if v >= 0x41 && v <= 0x5A { return v + 32 }
            if v == 0x17F { return 0x73 } // ſ folds to s
            return v
        }
        let a = lower(s[i + 1])
        if a == 0x73 || a == 0x74 || a == 0x6D || a == 0x64 { return 2 } // s t m d
        if i + 2 < s.count {
            let b = lower(s[i + 2])
            if (a == 0x72 && b == 0x65) || (a == 0x76 && b == 0x65) || (a == 0x6C && b == 0x6C) { return 3 } // re ve ll
        }
        return 0
    }

    /// End of a run of scalars whose classes satisfy `pred`, from j.
    @inline(__always) private static func run(
        _ s: UnsafeBufferPointer<UInt32>, _ j: Int, _ pred: (UInt32, UInt8) -> Bool
    ) -> Int {
        var k = j
        while k < s.count && pred(s[k], cls(s[k])) { k += 1 }
        return k
    }

    /// `\s+(?!\S)|\s+` at i, s[i] whitespace.
    @inline(__always) private static func whitespaceTail(_ s: UnsafeBufferPointer<UInt32>, _ i: Int) -> Int {
        let e = run(s, i) { _, c in c & S != 0 }
        if e == s.count { return e }
        if e - 1 > i { return e - 1 }
        return e
    }

    static func gpt2Match(_ s: UnsafeBufferPointer<UInt32>, _ i: Int) -> Int {
        let c0 = contraction(s, i, caseless: false)
        if c0 > 0 { return i + c0 }
        var j = i
        if s[i] == 0x20 && i + 1 < s.count { j = i + 1 }
        if j < s.count {
            let c = cls(s[j])
            if c & L != 0 { return run(s, j) { _, c in c & L != 0 } }
            if c & N != 0 { return run(s, j) { _, c in c & N != 0 } }
            if c & (S | L | N) == 0 { return run(s, j) { _, c in c & (S | L | N) == 0 } }
        }
        // ' ?' without the space: s[i] itself.
        if j != i {
            // s[i] is a space: the class alternatives cannot start with it.
            return whitespaceTail(s, i)
        }
        return whitespaceTail(s, i)
    }

    static func llama3Match(_ s: UnsafeBufferPointer<UInt32>, _ i: Int) -> Int {
        let c0 = contraction(s, i, caseless: true)
        if c0 > 0 { return i + c0 }
        let v0 = s[i], k0 = cls(v0)
        // [^\r\n\p{L}\p{N}]?\p{L}+
        if k0 & L != 0 { return run(s, i) { _, c in c & L != 0 } }
        if v0 != 0x0D && v0 != 0x0A && k0 & N == 0 && i + 1 < s.count && cls(s[i + 1]) & L != 0 {
            return run(s, i + 1) { _, c in c & L != 0 }
        }
        // \p{N}{1,3}
        if k0 & N != 0 {
            var k = i + 1
            while k < s.count && k < i + 3 && cls(s[k]) & N != 0 { k += 1 }
            return k
        }
        // ' ?[^\s\p{L}\p{N}]+[\r\n]*'
        var j = i
        if v0 == 0x20 && i + 1 < s.count && cls(s[i + 1]) & (S | L | N) == 0 { j = i + 1 }
        if cls(s[j]) & (S | L | N) == 0 {
            var k = run(s, j) { _, c in c & (S | L | N) == 0 }
            while k < s.count && (s[k] == 0x0D || s[k] == 0x0A) { k += 1 }
            return k
        }
        // s[i] is whitespace from here on.
        // \s*[\r\n]+ : ends after the last \r or \n of the whitespace run.
        let e = run(s, i) { _, c in c & S != 0 }
        var k = e - 1
        while k >= i && s[k] != 0x0D && s[k] != 0x0A { k -= 1 }
        if k >= i { return k + 1 }
        // \s+(?!\S)|\s+
        if e == s.count { return e }
        if e - 1 > i { return e - 1 }
        return e
    }
}
