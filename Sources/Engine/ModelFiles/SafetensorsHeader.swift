/// The validated header of a safetensors file: 8-byte little-endian header length, a JSON object of
/// tensors (`dtype`, `shape`, `data_offsets` relative to the data section) and an optional `__metadata__`
/// map of strings, then the data. Validation is strict: tensors tile the data section exactly (sorted by
/// offset, no gaps, no overlaps, nothing left over) and each byte length equals dtype size × element count.
struct SafetensorsHeader {
    struct Entry {
        var info: TensorInfo
        /// Absolute byte range in the file.
        var range: Range<Int>
    }

    var entries: [Entry] // in data order
    var metadata: [String: String]
    var dataStart: Int

    /// The safetensors library's own limit on header size.
    static let maxHeaderBytes = 100_000_000
    static let maxDims = 16

    static func dtype(named s: String) -> TensorDType? {
        switch s {
        case "F64": .f64
        case "F32": .f32
        case "F16": .f16
        case "BF16": .bf16
        case "I64": .i64
        case "I32": .i32
        case "I16": .i16
        case "I8": .i8
        case "U64": .u64
        case "U32": .u32
        case "U16": .u16
        case "U8": .u8
        case "BOOL": .bool
        default: nil
        }
    }

    /// `bytes` holds at least the header; `fileSize` (default `bytes.count`) is the whole file's length.
    static func parse(_ bytes: UnsafeRawBufferPointer, path: String, fileSize: Int? = nil) throws -> SafetensorsHeader {
        let fileSize = max(fileSize ?? bytes.count, bytes.count)
        func invalid(_ reason: String) -> ModelFileError { .invalidHeader(path: path, reason: reason) }
        var r = ByteReader(bytes, path: path)
        let n64 = try r.u64("header length")
        guard n64 <= UInt64(maxHeaderBytes) else {
            throw invalid("header length \(n64) exceeds \(maxHeaderBytes) bytes")
        }
        let n = Int(n64)
        let headerBytes = try r.raw(n, "JSON header")
        guard n >= 2, headerBytes[0] == UInt8(ascii: "{") else { throw invalid("header does not start with '{'") }
        let json: JSONValue
        do { json = try JSONValue.parse(headerBytes, maxDepth: 8) } catch { throw invalid("\(error)") }
        guard let members = json.object else { throw invalid("header is not a JSON object") }

        let dataStart = 8 + n
        let dataLength = fileSize - dataStart
        var metadata: [String: String] = [:]
        var entries: [(info: TensorInfo, begin: Int, end: Int)] = []
        entries.reserveCapacity(members.count)
        for (name, value) in members {
            if name == "__metadata__" {
                guard let m = value.object else { throw invalid("__metadata__ is not an object") }
                for (k, v) in m {
                    guard let s = v.string else { throw invalid("__metadata__['\(k)'] is not a string") }
                    metadata[k] = s
                }
                continue
            }
            guard let fields = value.object else { throw invalid("tensor '\(name)' is not an object") }
            for (k, _) in fields where !["dtype", "shape", "data_offsets"].contains(k) {
                throw invalid("tensor '\(name)' has unknown field '\(k)'")
            }
            guard let dtypeName = value["dtype"]?.string else { throw invalid("tensor '\(name)' has no dtype") }
            guard let dtype = dtype(named: dtypeName) else {
                throw ModelFileError.unsupportedDType(name: name, dtype: dtypeName)
            }
            guard let shapeValues = value["shape"]?.array, shapeValues.count <= maxDims else {
                throw invalid("tensor '\(name)' has no shape or more than \(maxDims) dimensions")
            }
            var shape: [Int] = []
            var elements = 1
            for d in shapeValues {
                guard case .int(let v) = d, v >= 0 else { throw invalid("tensor '\(name)' has a bad dimension \(d)") }
                let (e, overflow) = elements.multipliedReportingOverflow(by: v)
                guard !overflow else { throw invalid("tensor '\(name)' element count overflows") }
                elements = e
                shape.append(v)
            }
            guard let offsets = value["data_offsets"]?.array, offsets.count == 2,
                case .int(let begin) = offsets[0], case .int(let end) = offsets[1], begin >= 0, begin <= end
            else {
                throw invalid("tensor '\(name)' has bad data_offsets")
            }
            guard let size = dtype.byteCount(elements: elements), size == end - begin else {
                throw invalid(
                    "tensor '\(name)': \(dtypeName) \(shape) needs \(dtype.byteCount(elements: elements).map(String.init) ?? "too many") bytes, data_offsets span \(end - begin)"
                )
            }
            entries.append((TensorInfo(name: name, shape: shape, dtype: dtype), begin, end))
        }
        entries.sort { ($0.begin, $0.end) < ($1.begin, $1.end) }
        var expected = 0
        for e in entries {
            guard e.begin == expected else {
                throw invalid(
                    e.begin < expected
                        ? "tensor '\(e.info.name)' overlaps the previous tensor"
                        : "gap before tensor '\(e.info.name)' (bytes \(expected)..<\(e.begin) unused)")
            }
            expected = e.end
        }
        guard expected == dataLength else {
            if expected > dataLength {
                // Name the first tensor whose bytes are missing.
                let cut = entries.first { $0.end > dataLength } ?? entries[entries.count - 1]
                throw ModelFileError.truncated(
                    path: path, what: "data of tensor '\(cut.info.name)'", offset: dataStart + cut.begin,
                    needed: cut.end - cut.begin, available: max(0, dataLength - cut.begin))
            }
            throw invalid("\(dataLength - expected) bytes after the last tensor")
        }
        return SafetensorsHeader(
            entries: entries.map { Entry(info: $0.info, range: (dataStart + $0.begin)..<(dataStart + $0.end)) },
            metadata: metadata, dataStart: dataStart)
    }
}
