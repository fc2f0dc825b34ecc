import Foundation
import Hashing
import Systems

/// The tuning checkpoint: the trainable rows (the input table's `trainableInputRows`, the untied head) and their
/// Adam moments, with the step and token counts, so tuning resumes exactly where it stopped.
///
/// Layout (little-endian): magic `TTTUNE01` (8 bytes); header length `u64`; header JSON
/// `{"version":1,"step","tokens","columns","input_vocabulary","input_rows":[lo,hi],"head_rows","fingerprint"}`
/// (`fingerprint`: what the rows belong to, e.g. `fingerprint(files:)` of the model and target tokenizer); F32 arrays
/// input rows, their first and second moments, then (when `head_rows > 0`) head, first and second moments;
/// finally the SHA-256 of every byte before it. Written to a temporary file in the same directory, fsync'ed and
/// renamed (then the directory is fsync'ed), so a reader sees the old file or the new one, never a torn one.
public enum TuningStateFile {
    static let magic = Array("TTTUNE01".utf8)

    /// A short identity of the files the rows belong to: SHA-256 over each file's path, size and (up to 64 MiB of)
    /// contents, so a state file is not resumed against another model or tokenizer of the same shape.
    public static func fingerprint(files: [String]) throws -> String {
        var hasher = SHA256Hasher()
        for path in files {
            guard let handle = FileHandle(forReadingAtPath: path) else {
                throw TuningError.stateFile(path: path, reason: "cannot read for the fingerprint")
            }
            defer { try? handle.close() }
            let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? -1
            hasher.update(Array("\(URL(fileURLWithPath: path).lastPathComponent)\u{0}\(size)\u{0}".utf8))
            hasher.update(handle.readData(ofLength: 64 << 20))
        }
        return Digest.hex(hasher.finalize())
    }

    public static func save(model: TuningModel, state: AdamState, to path: String, fingerprint: String = "") throws {
        let c = model.config, h = c.hiddenSize, rows = state.inputRows
        let headRows = model.hasUntiedHead ? c.outputVocabularySize : 0
        let header: [String: Any] = [
            "version": 1, "step": state.step, "tokens": state.tokensSeen, "columns": h,
            "input_vocabulary": c.inputVocabularySize, "input_rows": [rows.lowerBound, rows.upperBound],
            "head_rows": headRows,
            "fingerprint": fingerprint,
        ]
        let headerBytes = [UInt8](try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys]))
        var prefix = magic
        withUnsafeBytes(of: UInt64(headerBytes.count).littleEndian) { prefix += $0 }
        prefix += headerBytes
        // The float arrays in file order (the tables and moments live until this function returns).
        var arrays: [(UnsafeMutablePointer<Float>, Int)] = [
            (model.embedding.pointer + rows.lowerBound * h, rows.count * h),
            (state.inputFirstMoment.pointer, state.inputFirstMoment.count),
            (state.inputSecondMoment.pointer, state.inputSecondMoment.count),
        ]
        if let head = model.head, let m = state.headFirstMoment, let v = state.headSecondMoment {
            arrays += [(head.pointer, head.count), (m.pointer, m.count), (v.pointer, v.count)]
        }
        #if _endian(big)
            throw TuningError.stateFile(path: path, reason: "big-endian hosts are not supported")
        #else
            do {
                let file = try AtomicFile(path: path)
                var hasher = SHA256Hasher()
                try prefix.withUnsafeBytes { raw in
                    hasher.update(raw)
                    try file.write(raw)
                }
                for (pointer, count) in arrays {
                    let raw = UnsafeRawBufferPointer(start: pointer, count: count * MemoryLayout<Float>.size)
                    hasher.update(raw)
                    try file.write(raw)
                }
                try file.write(hasher.finalize())
                try file.commit()
                try AtomicFile.syncDirectory(URL(fileURLWithPath: path).deletingLastPathComponent().path)
            } catch {
                throw TuningError.stateFile(path: path, reason: "write failed: \(FileErrorText.reason(error))")
            }
        #endif
    }

    /// Reads a checkpoint written for a model of the same shape, restores its rows into `model` and returns the
    /// optimizer state. Nothing in `model` changes unless the whole file checks out.
    public static func load(from path: String, into model: TuningModel, fingerprint: String = "") throws -> AdamState {
        func fail(_ reason: String) -> TuningError { .stateFile(path: path, reason: reason) }
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped) } catch {
            throw fail("cannot read: \(FileErrorText.reason(error, path: path))")
        }
        return try data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) -> AdamState in
            guard raw.count >= 8 + 8 + 32, Array(raw[0..<8]) == magic else {
                throw fail("not a transtok tuning state (bad magic)")
            }
            let body = UnsafeRawBufferPointer(rebasing: raw[0..<(raw.count - 32)])
            var hasher = SHA256Hasher()
            hasher.update(body)
            guard hasher.finalize() == Array(raw[(raw.count - 32)...]) else {
                throw fail("checksum mismatch (file damaged or truncated)")
            }
            let headerLength = Int(UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self)))
            guard headerLength > 0, 16 + headerLength <= body.count else {
                throw fail("header length \(headerLength) out of range")
            }
            guard
                let header = try? JSONSerialization.jsonObject(with: Data(raw[16..<(16 + headerLength)]))
                    as? [String: Any],
                header["version"] as? Int == 1,
                let step = header["step"] as? Int, let tokens = header["tokens"] as? Int,
                let columns = header["columns"] as? Int, let inputVocabulary = header["input_vocabulary"] as? Int,
                let bounds = header["input_rows"] as? [Int], bounds.count == 2,
                let headRows = header["head_rows"] as? Int
            else {
                throw fail(
                    "unreadable header (need version 1 with step, tokens, columns, input_vocabulary, input_rows, head_rows)"
                )
            }
            let stored = header["fingerprint"] as? String ?? ""
            guard stored == fingerprint else {
                throw fail(
                    "written for other files (fingerprint \(stored.prefix(12)), expected \(fingerprint.prefix(12)))")
            }
            let c = model.config
            let expectedHead = model.hasUntiedHead ? c.outputVocabularySize : 0
            guard columns == c.hiddenSize, inputVocabulary == c.inputVocabularySize,
                bounds[0] == model.trainableInputRows.lowerBound, bounds[1] == model.trainableInputRows.upperBound,
                headRows == expectedHead, step >= 0, tokens >= 0
            else {
                throw fail(
                    "written for another model: columns \(columns), input table \(inputVocabulary), rows \(bounds), head \(headRows); "
                        + "this model has \(c.hiddenSize), \(c.inputVocabularySize), \(model.trainableInputRows), \(expectedHead)"
                )
            }
            let inputCount = (bounds[1] - bounds[0]) * columns, headCount = headRows * columns
            let expected = 16 + headerLength + 4 * (3 * inputCount + 3 * headCount)
            guard body.count == expected else {
                throw fail("\(body.count) bytes before the checksum, expected \(expected)")
            }
            var offset = 16 + headerLength
            func next(_ count: Int) -> FloatBuffer {
                let b = FloatBuffer(count: count)
                for i in 0..<count {
                    b.pointer[i] = Float(
                        bitPattern: UInt32(
                            littleEndian: raw.loadUnaligned(fromByteOffset: offset + 4 * i, as: UInt32.self)))
                }
                offset += 4 * count
                return b
            }
            let inputValues = next(inputCount), m = next(inputCount), v = next(inputCount)
            var head: (FloatBuffer, FloatBuffer, FloatBuffer)?
            if headRows > 0 { head = (next(headCount), next(headCount), next(headCount)) }
            for buffer in [inputValues, m, v] + (head.map { [$0.0, $0.1, $0.2] } ?? []) {
                for i in 0..<buffer.count where !buffer.pointer[i].isFinite {
                    throw fail("non-finite value in the stored rows or moments")
                }
            }
            // Everything checked: restore.
            (model.embedding.pointer + bounds[0] * columns).update(from: inputValues.pointer, count: inputCount)
            if let head, let table = model.head { table.pointer.update(from: head.0.pointer, count: headCount) }
            return AdamState(
                step: step, tokensSeen: tokens, columns: columns, inputRows: bounds[0]..<bounds[1],
                inputFirst: m, inputSecond: v, headFirst: head?.1, headSecond: head?.2)
        }
    }
}
