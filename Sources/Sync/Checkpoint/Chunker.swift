import Foundation

/// A byte range of a file that becomes one content-addressed blob.
public struct ChunkSpan: Sendable, Equatable {
    public var offset: Int64
    public var length: Int64
}

/// How files are cut into blobs.
public struct ChunkingPolicy: Sendable, Hashable, Codable {
    /// Target blob size. Files up to this size are one blob.
    public var targetSize: Int64
    /// For `.safetensors`: cut at tensor boundaries and inside large tensors at row boundaries, so changing some
    /// embedding rows changes only the blobs holding those rows, even if other tensors move in the file.
    public var safetensorsAware: Bool
    /// Other large files: content-defined chunking (gear rolling hash) so an insertion shifts few boundaries.
    public var contentDefined: Bool
    /// For `.safetensors`: blob size inside token row tables (embeddings, lm_head; see `TokenRowTables`), so a
    /// refresh of rows scattered over the vocabulary rewrites few bytes. Never coarser than `targetSize`.
    public var embeddingChunkSize: Int64
    /// Upper bound on blobs per row table: a table larger than `embeddingChunkSize × this` uses larger blobs, so
    /// huge vocabularies (256k × 8192) keep the number of objects and the manifest bounded.
    public var embeddingMaxChunksPerTensor: Int64

    public init(
        targetSize: Int64 = 4 << 20, safetensorsAware: Bool = true, contentDefined: Bool = true,
        embeddingChunkSize: Int64 = 64 << 10, embeddingMaxChunksPerTensor: Int64 = 4096
    ) {
        self.targetSize = targetSize
        self.safetensorsAware = safetensorsAware
        self.contentDefined = contentDefined
        self.embeddingChunkSize = embeddingChunkSize
        self.embeddingMaxChunksPerTensor = embeddingMaxChunksPerTensor
    }

    /// Every file one blob (uploaded with multipart when large).
    public static let wholeFiles = ChunkingPolicy(targetSize: .max, safetensorsAware: false, contentDefined: false)
}

public enum Chunker {
    public static func spans(for file: OpenFile, policy: ChunkingPolicy) throws(SyncError) -> [ChunkSpan] {
        let size = file.size
        if size <= policy.targetSize { return [ChunkSpan(offset: 0, length: size)] }
        if policy.safetensorsAware, file.path.hasSuffix(".safetensors"),
            let layout = try? SafetensorsLayout.read(file)
        {
            return safetensorsSpans(layout: layout, fileSize: size, policy: policy)
        }
        if policy.contentDefined { return try GearChunker(target: policy.targetSize).spans(file) }
        return fixedSpans(from: 0, to: size, step: policy.targetSize)
    }

    static func fixedSpans(from start: Int64, to end: Int64, step: Int64) -> [ChunkSpan] {
        var out: [ChunkSpan] = []
        var o = start
        while o < end {
            let n = min(step, end - o)
            out.append(ChunkSpan(offset: o, length: n))
            o += n
        }
        return out
    }

    /// Header as one blob; small neighbouring tensors grouped up to the target; large tensors split every
    /// `max(1, target / rowBytes)` rows; token row tables split every `max(1, rowTableChunk / rowBytes)` rows.
    /// Boundaries depend only on tensor order, shapes and sizes, never on absolute offsets.
    static func safetensorsSpans(layout: SafetensorsLayout, fileSize: Int64, policy: ChunkingPolicy) -> [ChunkSpan] {
        let target = policy.targetSize
        let rowTables = TokenRowTables.names(in: layout.tensors)
        var out = [ChunkSpan(offset: 0, length: layout.dataStart)]
        var groupStart: Int64? = nil
        var cursor = layout.dataStart
        func flush(upTo end: Int64) {
            if let g = groupStart, end > g { out.append(ChunkSpan(offset: g, length: end - g)) }
            groupStart = nil
        }
        for t in layout.tensors.sorted(by: { $0.begin < $1.begin }) {
            let begin = layout.dataStart + t.begin, end = layout.dataStart + t.end
            guard begin >= cursor, end <= fileSize, end >= begin else { continue } // overlapping or bad: skip
            let length = end - begin
            let chunk = rowTables.contains(t.name) ? rowTableChunkSize(tensorBytes: length, policy: policy) : target
            if length > chunk {
                flush(upTo: cursor)
                if begin > cursor { out.append(ChunkSpan(offset: cursor, length: begin - cursor)) }
                let rows = max(1, chunk / max(1, t.rowBytes))
                out += fixedSpans(from: begin, to: end, step: rows * max(1, t.rowBytes))
                cursor = end
                continue
            }
            if let g = groupStart, end - g > target { flush(upTo: cursor) }
            if groupStart == nil { groupStart = cursor }
            cursor = end
        }
        flush(upTo: cursor)
        if cursor < fileSize { out += fixedSpans(from: cursor, to: fileSize, step: target) }
        return out
    }

    /// `embeddingChunkSize`, raised so the table has at most `embeddingMaxChunksPerTensor` blobs, never above the target.
    static func rowTableChunkSize(tensorBytes: Int64, policy: ChunkingPolicy) -> Int64 {
        let limit = max(1, policy.embeddingMaxChunksPerTensor)
        let forLimit = (tensorBytes + limit - 1) / limit
        return min(policy.targetSize, max(policy.embeddingChunkSize, forLimit))
    }
}

/// Tensor byte ranges of a safetensors file (8-byte little-endian header length, JSON header, data).
struct SafetensorsLayout {
    struct Tensor {
        var name: String
        var begin: Int64
        var end: Int64
        var rowBytes: Int64
        var shape: [Int]
    }
    var dataStart: Int64
    var tensors: [Tensor]

    static func dtypeBytes(_ dtype: String) -> Int64? {
        switch dtype {
        case "F64", "I64", "U64": 8
        case "F32", "I32", "U32": 4
        case "F16", "BF16", "I16", "U16": 2
        case "I8", "U8", "BOOL", "F8_E4M3", "F8_E5M2": 1
        default: nil
        }
    }

    static func read(_ file: OpenFile) throws(SyncError) -> SafetensorsLayout {
        guard file.size >= 8 else { throw .integrity("\(file.path): too short for safetensors") }
        let lenBytes = try file.readAll(offset: 0, length: 8)
        var n: UInt64 = 0
        for (i, b) in lenBytes.enumerated() { n |= UInt64(b) << (8 * UInt64(i)) }
        guard n > 0, n < 100 << 20, Int64(n) + 8 <= file.size else {
            throw .integrity("\(file.path): implausible safetensors header length \(n)")
        }
        let header = try file.readAll(offset: 8, length: Int64(n))
        guard let json = try? JSONSerialization.jsonObject(with: Data(header)) as? [String: Any] else {
            throw .integrity("\(file.path): safetensors header is not a JSON object")
        }
        var tensors: [Tensor] = []
        for (name, value) in json where name != "__metadata__" {
            guard let t = value as? [String: Any], let dtype = t["dtype"] as? String,
                let shape = t["shape"] as? [Int], let offsets = t["data_offsets"] as? [Int], offsets.count == 2
            else { continue }
            let elem = dtypeBytes(dtype) ?? 1
            let row = shape.count > 1 ? shape.dropFirst().reduce(Int64(1)) { $0 * Int64($1) } * elem : elem
            tensors.append(
                Tensor(name: name, begin: Int64(offsets[0]), end: Int64(offsets[1]), rowBytes: row, shape: shape))
        }
        return SafetensorsLayout(dataStart: 8 + Int64(n), tensors: tensors)
    }
}
