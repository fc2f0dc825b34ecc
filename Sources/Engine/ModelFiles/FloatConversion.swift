/// Decoding of every float-convertible dtype to Float32. Quantised blocks follow ggml's reference
/// dequantisation with the same operation order as the `gguf` Python package, so results are bit-exact.
public enum FloatConversion {
    public static func decode(_ bytes: UnsafeRawBufferPointer, dtype: TensorDType, count: Int, name: String) throws
        -> [Float]
    {
        guard dtype.isFloatConvertible else { throw ModelFileError.unsupportedDType(name: name, dtype: dtype.rawValue) }
        guard let needed = dtype.byteCount(elements: count), needed == bytes.count else {
            throw ModelFileError.shapeMismatch(name: name, expected: [count], elementCount: bytes.count)
        }
        return [Float](unsafeUninitializedCapacity: count) { out, initialized in
            decode(bytes, dtype: dtype, into: out)
            initialized = count
        }
    }

    /// Decode into `out` (whose count is the element count; `bytes` must hold exactly that many elements).
    public static func decode(
        _ bytes: UnsafeRawBufferPointer, dtype: TensorDType, into out: UnsafeMutableBufferPointer<Float>
    ) {
        let n = out.count
        switch dtype {
        case .f32:
            for i in 0..<n {
                out[i] = Float(
                    bitPattern: UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self)))
            }
        case .f64:
            for i in 0..<n {
                out[i] = Float(
                    Double(
                        bitPattern: UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: 8 * i, as: UInt64.self))))
            }
        case .f16:
            for i in 0..<n { out[i] = HalfFloat.f16ToFloat(u16(bytes, 2 * i)) }
        case .bf16:
            for i in 0..<n { out[i] = HalfFloat.bf16ToFloat(u16(bytes, 2 * i)) }
        case .q8_0: Dequantize.q8_0(bytes, out)
        case .q4_0: Dequantize.q4_0(bytes, out)
        case .q4_1: Dequantize.q4_1(bytes, out)
        case .q5_0: Dequantize.q5_0(bytes, out)
        case .q5_1: Dequantize.q5_1(bytes, out)
        case .q4_K: Dequantize.q4_K(bytes, out)
        case .q5_K: Dequantize.q5_K(bytes, out)
        case .q6_K: Dequantize.q6_K(bytes, out)
        case .i64, .i32, .i16, .i8, .u64, .u32, .u16, .u8, .bool:
            preconditionFailure("decode(into:) called for non-float dtype \(dtype)") // guarded by callers
        }
    }

    @inline(__always)
    static func u16(_ b: UnsafeRawBufferPointer, _ off: Int) -> UInt16 {
        UInt16(littleEndian: b.loadUnaligned(fromByteOffset: off, as: UInt16.self))
    }

    /// Encode Float32 values as `dtype` (F32, F16 or BF16) little-endian bytes into `out`.
    public static func encode(
        _ values: UnsafeBufferPointer<Float>, as dtype: TensorDType, into out: UnsafeMutableRawBufferPointer
    ) {
        switch dtype {
        case .f32:
            for (i, v) in values.enumerated() {
                out.storeBytes(of: v.bitPattern.littleEndian, toByteOffset: 4 * i, as: UInt32.self)
            }
        case .f16:
            for (i, v) in values.enumerated() {
                out.storeBytes(of: HalfFloat.floatToF16(v).littleEndian, toByteOffset: 2 * i, as: UInt16.self)
            }
        case .bf16:
            for (i, v) in values.enumerated() {
                out.storeBytes(of: HalfFloat.floatToBF16(v).littleEndian, toByteOffset: 2 * i, as: UInt16.self)
            }
        default:
            preconditionFailure("encode: only F32/F16/BF16 outputs") // callers validate the output dtype
        }
    }
}
