import Foundation

/// A token produced by a model inside one pre-tokenized piece: id and scalar range within the piece.
struct ModelToken: Sendable, Equatable {
    var id: Int32
    var start: Int32
    var end: Int32
}

/// id ↔ piece, keyed by Unicode scalars (never by `String` equality).
struct TokenizerVocabulary: Sendable {
    private(set) var pieceToID: [[UInt32]: Int32] = [:]
    private(set) var pieces: [[UInt32]?] = []

    init() {}

    init(json: Any, component: String) throws {
        guard let dict = json as? [String: Any] else {
            throw TokenizerError.invalidComponent(component: component, reason: "vocab must be an object")
        }
        pieceToID.reserveCapacity(dict.count)
        // Canonically equivalent pieces collide as Swift String keys: use the exact pairs when present.
        let entries: [(String, Any)]
        if let pairs = dict[JSONReader.orderedPairsKey] as? [[Any]] {
            entries = pairs.compactMap { p in (p.first as? String).map { ($0, p[1]) } }
        } else {
            entries = dict.map { ($0.key, $0.value) }
        }
        for (piece, value) in entries {
            guard let id = (value as? NSNumberLike)?.intValue, id >= 0, id < 1 << 24 else {
                throw TokenizerError.invalidComponent(
                    component: component, reason: "bad id for piece \(piece.debugDescription)")
            }
            try insert(Scalars.of(piece), id: id, component: component)
        }
    }

    mutating func insert(_ piece: [UInt32], id: Int, component: String) throws {
        if id >= pieces.count { pieces.append(contentsOf: repeatElement(nil, count: id + 1 - pieces.count)) }
        if let existing = pieces[id], existing != piece {
            throw TokenizerError.invalidComponent(component: component, reason: "id \(id) used by two pieces")
        }
        pieces[id] = piece
        pieceToID[piece] = Int32(id)
    }

    @inline(__always) func id(_ piece: [UInt32]) -> Int32? { pieceToID[piece] }
    func piece(_ id: Int) -> [UInt32]? { id >= 0 && id < pieces.count ? pieces[id] : nil }
    var count: Int { pieceToID.count }
    var idBound: Int { pieces.count }
}

typealias NSNumberLike = NSNumber

/// Per-thread word → tokens memo (HF keeps one per model; we keep one per encoding thread so batch encoding
/// never contends). Stops growing at `capacity` entries, like HF's cache.
final class WordCache: @unchecked Sendable { // used by one thread at a time (pooled)
    var map: [[UInt32]: [ModelToken]] = [:]
    let capacity: Int

    init(capacity: Int = 20_000) { self.capacity = capacity }

    @inline(__always) func get(_ key: [UInt32]) -> [ModelToken]? { map[key] }

    @inline(__always) func put(_ key: [UInt32], _ value: [ModelToken]) {
        if map.count < capacity { map[key] = value }
    }
}

/// The byte-fallback pieces `<0x00>`…`<0xFF>` of a vocabulary (nil where absent).
func byteFallbackIDs(_ vocab: TokenizerVocabulary) -> [Int32?] {
    (0..<256).map { b in vocab.id(Scalars.of(String(format: "<0x%02X>", b))) }
}
