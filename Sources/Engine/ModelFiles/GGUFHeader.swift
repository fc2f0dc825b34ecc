/// The parsed, validated header of a GGUF file: metadata, tensor infos and where tensor data starts.
struct GGUFHeader {
    struct Tensor {
        var info: TensorInfo
        /// Absolute byte range of the tensor's data in the file.
        var range: Range<Int>
    }

    var version: UInt32
    var metadata: [String: GGUFValue]
    var metadataOrder: [String]
    var tensors: [Tensor]
    var alignment: Int
    var dataStart: Int

    // Limits well above any real model, small enough that a hostile count cannot make us allocate wildly.
    static let maxStringLength = 1 << 30
    static let maxArrayDepth = 4
    static let maxDims = 4

    static func parse(_ bytes: UnsafeRawBufferPointer, path: String) throws -> GGUFHeader {
        var r = ByteReader(bytes, path: path)
        let magic = try r.raw(4, "magic")
        guard Array(magic) == Array("GGUF".utf8) else {
            throw ModelFileError.badMagic(
                path: path, found: String(decoding: magic.map { $0 < 32 || $0 > 126 ? 0x3F : $0 }, as: UTF8.self))
        }
        let version = try r.u32("version")
        guard version == 2 || version == 3 else {
            // A big-endian file shows a byte-swapped version (e.g. 0x03000000).
            if version.byteSwapped == 2 || version.byteSwapped == 3 {
                throw ModelFileError.invalidHeader(path: path, reason: "big-endian GGUF files are not supported")
            }
            throw ModelFileError.unsupportedVersion(path: path, version: version)
        }
        // Minimum encoded sizes bound the counts by the file length before anything is allocated.
        let tensorCount = try r.count("tensor count", limit: r.remaining / 24)
        let kvCount = try r.count("metadata count", limit: r.remaining / 13)

        var metadata: [String: GGUFValue] = [:]
        var order: [String] = []
        order.reserveCapacity(kvCount)
        for i in 0..<kvCount {
            let key = try readKey(&r, what: "metadata key \(i)")
            let typeCode = try r.u32("type of '\(key)'")
            let value = try readValue(&r, type: typeCode, depth: 0, key: key)
            guard metadata.updateValue(value, forKey: key) == nil else {
                throw ModelFileError.invalidHeader(path: path, reason: "duplicate metadata key '\(key)'")
            }
            order.append(key)
        }

        var alignment = 32
        if let a = metadata["general.alignment"] {
            guard let v = a.int, v > 0, v <= 1 << 20, v & (v - 1) == 0 else {
                throw ModelFileError.invalidHeader(
                    path: path, reason: "general.alignment must be a power of two ≤ 1 MiB, got \(a)")
            }
            alignment = v
        }

        struct Pending {
            var info: TensorInfo
            var offset: Int
            var size: Int
        }
        var pending: [Pending] = []
        pending.reserveCapacity(tensorCount)
        var seen = Set<String>()
        for i in 0..<tensorCount {
            let name = try readKey(&r, what: "tensor name \(i)")
            guard seen.insert(name).inserted else {
                throw ModelFileError.invalidHeader(path: path, reason: "duplicate tensor '\(name)'")
            }
            let nDims = Int(try r.u32("dimension count of '\(name)'"))
            guard (1...maxDims).contains(nDims) else {
                throw ModelFileError.invalidHeader(
                    path: path, reason: "tensor '\(name)' has \(nDims) dimensions (1...\(maxDims) allowed)")
            }
            var ne: [Int] = []
            var elements = 1
            for _ in 0..<nDims {
                let d = try r.u64("dimension of '\(name)'")
                guard d <= UInt64(Int32.max) else {
                    throw ModelFileError.invalidHeader(path: path, reason: "tensor '\(name)' dimension \(d) too large")
                }
                let (e, overflow) = elements.multipliedReportingOverflow(by: Int(d))
                guard !overflow, e <= 1 << 40 else {
                    throw ModelFileError.invalidHeader(path: path, reason: "tensor '\(name)' element count overflows")
                }
                elements = e
                ne.append(Int(d))
            }
            let typeCode = try r.u32("type of '\(name)'")
            guard let dtype = GGMLType.dtype(code: typeCode) else {
                let known = TensorDType.allCases.filter(\.isFloatConvertible).map(\.rawValue).joined(separator: ", ")
                throw ModelFileError.invalidHeader(
                    path: path,
                    reason:
                        "tensor '\(name)' is stored as \(GGMLType.name(code: typeCode)), a quantisation transtok cannot read (readable: \(known))"
                )
            }
            guard ne[0] % dtype.block.elements == 0, let size = dtype.byteCount(elements: elements) else {
                throw ModelFileError.invalidHeader(
                    path: path,
                    reason:
                        "tensor '\(name)' row of \(ne[0]) elements is not a whole number of \(dtype.rawValue) blocks")
            }
            let offset = try r.u64("offset of '\(name)'")
            guard offset <= UInt64(Int.max / 2), Int(offset) % alignment == 0 else {
                throw ModelFileError.invalidHeader(
                    path: path,
                    reason: "tensor '\(name)' offset \(offset) is not a multiple of the alignment \(alignment)")
            }
            // GGUF lists the innermost dimension first; PyTorch shapes are outermost first.
            pending.append(
                Pending(
                    info: TensorInfo(name: name, shape: ne.reversed(), dtype: dtype), offset: Int(offset), size: size))
        }

        let dataStart = (r.offset + alignment - 1) / alignment * alignment
        var tensors: [Tensor] = []
        tensors.reserveCapacity(pending.count)
        for p in pending {
            let start = dataStart + p.offset
            let (end, overflow) = start.addingReportingOverflow(p.size)
            guard !overflow, end <= bytes.count else {
                throw ModelFileError.truncated(
                    path: path, what: "data of tensor '\(p.info.name)'", offset: start, needed: p.size,
                    available: max(0, bytes.count - start))
            }
            tensors.append(Tensor(info: p.info, range: start..<end))
        }
        // Tensors must not share bytes.
        let sorted = tensors.sorted { $0.range.lowerBound < $1.range.lowerBound }
        for (a, b) in zip(sorted, sorted.dropFirst()) where a.range.upperBound > b.range.lowerBound {
            throw ModelFileError.invalidHeader(
                path: path, reason: "tensors '\(a.info.name)' and '\(b.info.name)' overlap")
        }
        return GGUFHeader(
            version: version, metadata: metadata, metadataOrder: order, tensors: tensors,
            alignment: alignment, dataStart: dataStart)

        func readKey(_ r: inout ByteReader, what: String) throws -> String {
            let n = try r.count("length of \(what)", limit: 65_535)
            let raw = try r.raw(n, what)
            guard let s = String(validating: raw, as: UTF8.self) else {
                throw ModelFileError.invalidHeader(path: path, reason: "\(what) is not valid UTF-8")
            }
            return s
        }

        func readValue(_ r: inout ByteReader, type: UInt32, depth: Int, key: String) throws -> GGUFValue {
            let what = "value of '\(key)'"
            switch type {
            case 0: return .uint8(try r.u8(what))
            case 1: return .int8(Int8(bitPattern: try r.u8(what)))
            case 2: return .uint16(try r.load(UInt16.self, what))
            case 3: return .int16(try r.load(Int16.self, what))
            case 4: return .uint32(try r.u32(what))
            case 5: return .int32(try r.load(Int32.self, what))
            case 6: return .float32(try r.f32(what))
            case 7:
                let b = try r.u8(what)
                guard b <= 1 else { throw ModelFileError.invalidHeader(path: path, reason: "\(what): bool byte \(b)") }
                return .bool(b == 1)
            case 8:
                let n = try r.count("string length of '\(key)'", limit: maxStringLength)
                // Token strings are not always valid UTF-8 (byte pieces); repair rather than reject.
                return .string(String(decoding: try r.raw(n, what), as: UTF8.self))
            case 9:
                guard depth < maxArrayDepth else {
                    throw ModelFileError.invalidHeader(
                        path: path, reason: "\(what): arrays nested deeper than \(maxArrayDepth)")
                }
                let elementType = try r.u32("array type of '\(key)'")
                guard let minSize = minimumSize(elementType) else {
                    throw ModelFileError.invalidHeader(
                        path: path, reason: "\(what): unknown array element type \(elementType)")
                }
                let n = try r.count("array length of '\(key)'", limit: r.remaining / minSize)
                var out: [GGUFValue] = []
                out.reserveCapacity(n)
                for _ in 0..<n { out.append(try readValue(&r, type: elementType, depth: depth + 1, key: key)) }
                return .array(out)
            case 10: return .uint64(try r.u64(what))
            case 11: return .int64(try r.load(Int64.self, what))
            case 12: return .float64(try r.f64(what))
            default:
                throw ModelFileError.invalidHeader(path: path, reason: "\(what): unknown value type \(type)")
            }
        }

        func minimumSize(_ type: UInt32) -> Int? {
            switch type {
            case 0, 1, 7: 1
            case 2, 3: 2
            case 4, 5, 6: 4
            case 8, 10, 11, 12: 8
            case 9: 12
            default: nil
            }
        }
    }
}
