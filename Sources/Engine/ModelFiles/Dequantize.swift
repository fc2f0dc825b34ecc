/// ggml block dequantisation (reference C semantics, operation order of gguf-py's numpy code).
/// Callers guarantee `bytes.count == blocks * blockBytes` and `out.count == blocks * blockElements`.
enum Dequantize {
    @inline(__always) private static func half(_ b: UnsafeRawBufferPointer, _ o: Int) -> Float {
        HalfFloat.f16ToFloat(UInt16(littleEndian: b.loadUnaligned(fromByteOffset: o, as: UInt16.self)))
    }

    static func q8_0(_ b: UnsafeRawBufferPointer, _ out: UnsafeMutableBufferPointer<Float>) {
        for blk in 0..<(out.count / 32) {
            let o = blk * 34, y = blk * 32
            let d = half(b, o)
            for j in 0..<32 { out[y + j] = Float(Int8(bitPattern: b[o + 2 + j])) * d }
        }
    }

    static func q4_0(_ b: UnsafeRawBufferPointer, _ out: UnsafeMutableBufferPointer<Float>) {
        for blk in 0..<(out.count / 32) {
            let o = blk * 18, y = blk * 32
            let d = half(b, o)
            for j in 0..<16 {
                let q = b[o + 2 + j]
                out[y + j] = d * Float(Int(q & 0x0F) - 8)
                out[y + j + 16] = d * Float(Int(q >> 4) - 8)
            }
        }
    }

    static func q4_1(_ b: UnsafeRawBufferPointer, _ out: UnsafeMutableBufferPointer<Float>) {
        for blk in 0..<(out.count / 32) {
            let o = blk * 20, y = blk * 32
            let d = half(b, o), m = half(b, o + 2)
            for j in 0..<16 {
                let q = b[o + 4 + j]
                let lo = d * Float(q & 0x0F), hi = d * Float(q >> 4)
                out[y + j] = lo + m
                out[y + j + 16] = hi + m
            }
        }
    }

    static func q5_0(_ b: UnsafeRawBufferPointer, _ out: UnsafeMutableBufferPointer<Float>) {
        for blk in 0..<(out.count / 32) {
            let o = blk * 22, y = blk * 32
            let d = half(b, o)
            let qh = UInt32(littleEndian: b.loadUnaligned(fromByteOffset: o + 2, as: UInt32.self))
            for j in 0..<16 {
                let q = UInt32(b[o + 6 + j])
                let h0 = ((qh >> UInt32(j)) << 4) & 0x10
                let h1 = (qh >> UInt32(j + 12)) & 0x10
                out[y + j] = d * Float(Int((q & 0x0F) | h0) - 16)
                out[y + j + 16] = d * Float(Int((q >> 4) | h1) - 16)
            }
        }
    }

    static func q5_1(_ b: UnsafeRawBufferPointer, _ out: UnsafeMutableBufferPointer<Float>) {
        for blk in 0..<(out.count / 32) {
            let o = blk * 24, y = blk * 32
            let d = half(b, o), m = half(b, o + 2)
            let qh = UInt32(littleEndian: b.loadUnaligned(fromByteOffset: o + 4, as: UInt32.self))
            for j in 0..<16 {
                let q = UInt32(b[o + 8 + j])
                let h0 = ((qh >> UInt32(j)) << 4) & 0x10
                let h1 = (qh >> UInt32(j + 12)) & 0x10
                let lo = d * Float((q & 0x0F) | h0), hi = d * Float((q >> 4) | h1)
                out[y + j] = lo + m
                out[y + j + 16] = hi + m
            }
        }
    }

    /// The 6-bit scale and min of sub-block `j` of a Q4_K block (`q` = the 12 packed scale bytes).
    @inline(__always) private static func scaleMinK4(_ j: Int, _ b: UnsafeRawBufferPointer, _ q: Int) -> (UInt8, UInt8)
    {
        if j < 4 { return (b[q + j] & 63, b[q + j + 4] & 63) }
        let sc = (b[q + j + 4] & 0x0F) | ((b[q + j - 4] >> 6) << 4)
        let m = (b[q + j + 4] >> 4) | ((b[q + j] >> 6) << 4)
        return (sc, m)
    }

    static func q4_K(_ b: UnsafeRawBufferPointer, _ out: UnsafeMutableBufferPointer<Float>) {
        for blk in 0..<(out.count / 256) {
            let o = blk * 144
            var y = blk * 256
            let d = half(b, o), dmin = half(b, o + 2)
            let scales = o + 4
            var q = o + 16
            var sub = 0
            for _ in 0..<4 {
                let (sc1, m1) = scaleMinK4(sub, b, scales), (sc2, m2) = scaleMinK4(sub + 1, b, scales)
                let d1 = d * Float(sc1), mm1 = dmin * Float(m1)
                let d2 = d * Float(sc2), mm2 = dmin * Float(m2)
                for l in 0..<32 { out[y + l] = d1 * Float(b[q + l] & 0x0F) - mm1 }
                for l in 0..<32 { out[y + 32 + l] = d2 * Float(b[q + l] >> 4) - mm2 }
                y += 64
                q += 32
                sub += 2
            }
        }
    }

    /// Q5_K: Q4_K's scales and mins, 4-bit low parts `qs` and one high bit per element in `qh` (bit `j` for
    /// sub-block `j`): `d·sc·(lo | hi << 4) − dmin·m` (gguf-py's `Q5_K.dequantize_blocks`).
    static func q5_K(_ b: UnsafeRawBufferPointer, _ out: UnsafeMutableBufferPointer<Float>) {
        for blk in 0..<(out.count / 256) {
            let o = blk * 176
            var y = blk * 256
            let d = half(b, o), dmin = half(b, o + 2)
            let scales = o + 4, qh = o + 16
            var q = o + 48
            var sub = 0
            for _ in 0..<4 {
                let (sc1, m1) = scaleMinK4(sub, b, scales), (sc2, m2) = scaleMinK4(sub + 1, b, scales)
                let d1 = d * Float(sc1), mm1 = dmin * Float(m1)
                let d2 = d * Float(sc2), mm2 = dmin * Float(m2)
                for l in 0..<32 {
                    let h = b[qh + l]
                    let lo = (b[q + l] & 0x0F) | (((h >> UInt8(sub)) & 1) << 4)
                    let hi = (b[q + l] >> 4) | (((h >> UInt8(sub + 1)) & 1) << 4)
                    out[y + l] = d1 * Float(lo) - mm1
                    out[y + 32 + l] = d2 * Float(hi) - mm2
                }
                y += 64
                q += 32
                sub += 2
            }
        }
    }

    static func q6_K(_ b: UnsafeRawBufferPointer, _ out: UnsafeMutableBufferPointer<Float>) {
        for blk in 0..<(out.count / 256) {
            let o = blk * 210
            var y = blk * 256
            var ql = o, qh = o + 128, sc = o + 192
            let d = half(b, o + 208)
            for _ in 0..<2 {
                for l in 0..<32 {
                    let isc = l / 16
                    let h = b[qh + l]
                    let q1 = Int((b[ql + l] & 0x0F) | ((h & 3) << 4)) - 32
                    let q2 = Int((b[ql + l + 32] & 0x0F) | (((h >> 2) & 3) << 4)) - 32
                    let q3 = Int((b[ql + l] >> 4) | (((h >> 4) & 3) << 4)) - 32
                    let q4 = Int((b[ql + l + 32] >> 4) | (((h >> 6) & 3) << 4)) - 32
                    @inline(__always) func s(_ k: Int) -> Float { d * Float(Int8(bitPattern: b[sc + isc + k])) }
                    out[y + l] = s(0) * Float(q1)
                    out[y + l + 32] = s(2) * Float(q2)
                    out[y + l + 64] = s(4) * Float(q3)
                    out[y + l + 96] = s(6) * Float(q4)
                }
                y += 128
                ql += 64
                qh += 32
                sc += 8
            }
        }
    }
}
