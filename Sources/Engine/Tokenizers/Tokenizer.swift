import Foundation
import Synchronization

/// A Hugging Face `tokenizer.json` tokenizer with HF-identical ids and offsets (see `Sources/Engine/README.md`).
/// Immutable and thread-safe; `encode` may be called from any number of threads.
public final class Tokenizer: @unchecked Sendable {
    let model: TokenModel
    let normalizer: Normalizer?
    let preTokenizer: PreTokenizer?
    let postProcessor: PostProcessor?
    let decoder: Decoder?
    public let addedTokens: [AddedToken]
    let addedByID: [Int: AddedToken]
    let addedByPiece: [[UInt32]: Int]
    let rawMatcher: AddedTokenMatcher
    let normalizedMatcher: AddedTokenMatcher
    /// Whether pieces are in the byte-level alphabet.
    public let isByteLevel: Bool
    /// Whether the post-processor needs token pieces (offset trimming).
    private let trimsOffsets: Bool
    public private(set) var specialTokenIDs: [SpecialTokenRole: Int] = [:]
    private let caches = Mutex<[WordCache]>([])

    /// Loads `tokenizer.json` (gzip accepted). Special-token roles come from a sibling `tokenizer_config.json` or
    /// `special_tokens_map.json` when present, else from the post-processor, the model's unk and common names.
    public convenience init(contentsOf url: URL) throws {
        try self.init(data: TokenizerFileData.read(url))
        let dir = url.deletingLastPathComponent()
        for name in ["special_tokens_map.json", "tokenizer_config.json"] {
            let u = dir.appendingPathComponent(name)
            if let d = try? Data(contentsOf: u), let o = try? JSONReader.parse([UInt8](d)) as? JSONObject {
                applySpecialTokenConfig(o)
            }
        }
    }

    public convenience init(data: [UInt8]) throws {
        guard let o = try JSONReader.parse(data) as? JSONObject else {
            throw TokenizerError.invalidJSON("top level is not an object")
        }
        try self.init(json: o)
    }

    init(json: JSONObject) throws {
        guard let m = json["model"] else { throw TokenizerError.invalidJSON("no model") }
        model = try TokenModel(json: m)
        func component<T>(_ key: String, _ make: (Any) throws -> T) rethrows -> T? {
            guard let v = json[key], !(v is NSNull) else { return nil }
            return try make(v)
        }
        normalizer = try component("normalizer") { try Normalizer(json: $0) }
        preTokenizer = try component("pre_tokenizer") { try PreTokenizer(json: $0) }
        postProcessor = try component("post_processor") { try PostProcessor(json: $0) }
        decoder = try component("decoder") { try Decoder(json: $0) }
        let added = try ((json["added_tokens"] as? [Any]) ?? []).map { try AddedToken(json: $0) }
        addedTokens = added
        var byID = [Int: AddedToken](), byPiece = [[UInt32]: Int]()
        for t in added {
            byID[t.id] = t
            byPiece[Scalars.of(t.content)] = t.id
        }
        addedByID = byID
        addedByPiece = byPiece
        let normalizerCopy = normalizer
        let raw = added.filter { !$0.normalized }
        let norm = added.filter { $0.normalized }
        rawMatcher = AddedTokenMatcher(tokens: raw, patterns: raw.map { Scalars.of($0.content) })
        normalizedMatcher = AddedTokenMatcher(
            tokens: norm,
            patterns: norm.map { t in
                var n = NormalizedText(original: Scalars.of(t.content), offset: 0)
                normalizerCopy?.apply(&n)
                return n.scalars
            })
        var byteLevel = preTokenizer?.isByteLevel ?? false
        if case .byteLevel = decoder { byteLevel = true }
        isByteLevel = byteLevel
        trimsOffsets = postProcessor.map(Tokenizer.needsPieces) ?? false
        inferSpecialTokenRoles()
    }

    // MARK: vocabulary

    /// Number of ids (model vocabulary and added tokens), i.e. the embedding rows a model needs.
    public var vocabularySize: Int {
        max(model.vocab.idBound, (addedTokens.map(\.id).max() ?? -1) + 1)
    }

    /// The raw vocabulary string of `id` (byte-level pieces in the byte alphabet), or the added token's content.
    public func piece(for id: Int) -> String? {
        if let t = addedByID[id] { return t.content }
        return model.vocab.piece(id).map { Scalars.string($0) }
    }

    public func id(forPiece piece: String) -> Int? {
        let s = Scalars.of(piece)
        if let id = addedByPiece[s] { return id }
        return model.vocab.id(s).map(Int.init)
    }

    /// The text a single token stands for, as bytes: byte-level pieces mapped back to bytes, `<0xAB>` byte
    /// pieces to their byte, the SentencePiece `▁` to a space, WordPiece's continuation prefix removed.
    public func decodedBytes(for id: Int) -> [UInt8] {
        if let t = addedByID[id] { return Array(t.content.utf8) }
        guard let p = model.vocab.piece(id) else { return [] }
        if isByteLevel, let b = ByteLevelAlphabet.bytes(ofPiece: p) { return b }
        if let b = Decoder.byteValue(p) { return [b] }
        var s = p
        if case .wordPiece(let m) = model, s.count >= m.prefix.count, Array(s.prefix(m.prefix.count)) == m.prefix {
            s.removeFirst(m.prefix.count)
        }
        return Scalars.utf8(s.map { $0 == 0x2581 ? 0x20 : $0 })
    }

    public func isSpecial(_ id: Int) -> Bool { addedByID[id]?.special ?? false }

    // MARK: encoding

    public func encode(_ text: String, addSpecialTokens: Bool = true) -> Encoding {
        let cache = caches.withLock { $0.popLast() } ?? WordCache()
        defer { caches.withLock { $0.append(cache) } }
        return encode(scalars: Scalars.of(text), addSpecialTokens: addSpecialTokens, cache: cache)
    }

    /// Encodes many texts on `threads` threads (default: all cores), each thread with its own word cache.
    public func encodeBatch(_ texts: [String], addSpecialTokens: Bool = true, threads: Int? = nil) -> [Encoding] {
        let n = texts.count
        let workers = max(1, min(threads ?? ProcessInfo.processInfo.activeProcessorCount, n))
        if workers == 1 { return texts.map { encode($0, addSpecialTokens: addSpecialTokens) } }
        let slots = ResultSlots<Encoding>(count: n)
        let chunk = max(1, min(256, n / (workers * 8)))
        let next = Atomic<Int>(0)
        DispatchQueue.concurrentPerform(iterations: workers) { _ in
            let cache = WordCache()
            while true {
                let start = next.wrappingAdd(chunk, ordering: .relaxed).oldValue
                if start >= n { break }
                for i in start..<min(n, start + chunk) {
                    let e = encode(scalars: Scalars.of(texts[i]), addSpecialTokens: addSpecialTokens, cache: cache)
                    slots.set(i, e)
                }
            }
        }
        return slots.values().map { $0 ?? Encoding(ids: [], tokens: [], offsets: [], specialTokensMask: []) }
    }

    func encode(scalars original: [UInt32], addSpecialTokens: Bool, cache: WordCache) -> Encoding {
        var raw = RawEncoding()
        var modelOut = [ModelToken]()
        let rawSplits = rawMatcher.isEmpty ? [(nil, 0..<original.count)] : rawMatcher.split(original)
        for (t, r) in rawSplits {
            if let t {
                let tok = rawMatcher.tokens[t]
                raw.append(
                    id: Int32(tok.id), piece: Scalars.of(tok.content), start: Int32(r.lowerBound),
                    end: Int32(r.upperBound), special: tok.special)
                continue
            }
            if r.isEmpty { continue }
            var text = NormalizedText(original: original[r], offset: r.lowerBound)
            normalizer?.apply(&text)
            let splits = normalizedMatcher.isEmpty ? [(nil, 0..<text.count)] : normalizedMatcher.split(text.scalars)
            for (t2, r2) in splits {
                if let t2 {
                    let tok = normalizedMatcher.tokens[t2]
                    let span = text.originalRange(r2) ?? Span(start: 0, end: 0)
                    raw.append(
                        id: Int32(tok.id), piece: Scalars.of(tok.content), start: span.start, end: span.end,
                        special: tok.special)
                    continue
                }
                if r2.isEmpty { continue }
                let piece = r2.count == text.count ? text : text.slice(r2)
                let pieces = preTokenizer?.apply([piece]) ?? [piece]
                for p in pieces {
                    modelOut.removeAll(keepingCapacity: true)
                    model.tokenize(p.scalars, into: &modelOut, cache: cache)
                    for m in modelOut {
                        let span = p.originalRange(Int(m.start)..<Int(m.end)) ?? Span(start: 0, end: 0)
                        raw.append(
                            id: m.id, piece: trimsOffsets ? (model.vocab.piece(Int(m.id)) ?? []) : [],
                            start: span.start, end: span.end, special: false)
                    }
                }
            }
        }
        postProcessor?.process(&raw, addSpecialTokens: addSpecialTokens)
        return Encoding(
            ids: raw.ids.map(Int.init), offsets: zip(raw.starts, raw.ends).map { Int($0)..<Int(max($0, $1)) },
            specialTokensMask: raw.special, tokenizer: self)
    }

    // MARK: decoding

    /// HF `Tokenizer::decode`: pieces (added tokens by content), special ones dropped if asked, then the decoder
    /// chain, concatenated (or joined with spaces when there is no decoder). Unknown ids are skipped.
    public func decode(_ ids: [Int], skipSpecialTokens: Bool = false) -> String {
        var pieces = [[UInt32]]()
        pieces.reserveCapacity(ids.count)
        for id in ids {
            if let t = addedByID[id] {
                if skipSpecialTokens && t.special { continue }
                pieces.append(Scalars.of(t.content))
            } else if let p = model.vocab.piece(id) {
                pieces.append(p)
            }
        }
        guard let decoder else { return pieces.map { Scalars.string($0) }.joined(separator: " ") }
        return Scalars.string(decoder.decodeChain(pieces).flatMap { $0 })
    }

    private static func needsPieces(_ p: PostProcessor) -> Bool {
        switch p {
        case .byteLevel(let trim, _), .roberta(_, _, let trim, _): return trim
        case .sequence(let list): return list.contains(where: needsPieces)
        default: return false
        }
    }

    // MARK: special tokens

    private func inferSpecialTokenRoles() {
        if let unk = model.unkPiece, let id = id(forPiece: Scalars.string(unk)) { specialTokenIDs[.unk] = id }
        let names: [(SpecialTokenRole, [String])] = [
            (.bos, ["<s>", "<|begin_of_text|>", "<bos>", "[BOS]", "<|startoftext|>", "<|endoftext|>"]),
            (.eos, ["</s>", "<|end_of_text|>", "<eos>", "[EOS]", "<|endoftext|>"]),
            (.pad, ["<pad>", "[PAD]", "<|pad|>", "<|finetune_right_pad_id|>"]),
            (.cls, ["[CLS]", "<cls>"]), (.sep, ["[SEP]", "<sep>"]), (.mask, ["[MASK]", "<mask>"]),
            (.unk, ["<unk>", "[UNK]", "<|unk|>"]),
        ]
        for (role, candidates) in names where specialTokenIDs[role] == nil {
            for c in candidates {
                if let id = id(forPiece: c) {
                    specialTokenIDs[role] = id
                    break
                }
            }
        }
        switch postProcessor {
        case .bert(let sep, let cls)?, .roberta(let sep, let cls, _, _)?:
            specialTokenIDs[.sep] = Int(sep.0)
            specialTokenIDs[.cls] = Int(cls.0)
        default: break
        }
    }

    /// `bos_token` etc. from tokenizer_config.json / special_tokens_map.json (string or {"content": …}).
    private func applySpecialTokenConfig(_ o: JSONObject) {
        for role in SpecialTokenRole.allCases {
            let v = o["\(role.rawValue)_token"]
            let content = (v as? String) ?? ((v as? JSONObject)?["content"] as? String)
            if let content, let id = id(forPiece: content) { specialTokenIDs[role] = id }
        }
    }
}
