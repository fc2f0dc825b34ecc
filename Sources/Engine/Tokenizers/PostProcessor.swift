/// The `post_processor` section: special tokens around the sequence and byte-level offset trimming.
indirect enum PostProcessor {
    case template(single: [TemplateItem], specials: [String: [(Int32, [UInt32])]])
    case bert(sep: (Int32, [UInt32]), cls: (Int32, [UInt32]))
    case roberta(sep: (Int32, [UInt32]), cls: (Int32, [UInt32]), trimOffsets: Bool, addPrefixSpace: Bool)
    case byteLevel(trimOffsets: Bool, addPrefixSpace: Bool)
    case sequence([PostProcessor])

    enum TemplateItem {
        case sequence
        case special(String)
    }

    init(json: Any) throws {
        let f = try JSONFields(json, component: "post_processor")
        func pair(_ key: String) throws -> (Int32, [UInt32]) {
            guard let a = f.object[key] as? [Any], a.count == 2, let s = a[0] as? String,
                let id = (a[1] as? NSNumberLike)?.intValue
            else {
                throw f.missing(key, "[token, id]")
            }
            return (Int32(id), Scalars.of(s))
        }
        switch f.type {
        case "TemplateProcessing":
            var items = [TemplateItem]()
            for item in try f.array("single") {
                guard let o = item as? JSONObject else { throw f.missing("single", "a list of template items") }
                if o["Sequence"] != nil {
                    items.append(.sequence)
                } else if let sp = o["SpecialToken"] as? JSONObject, let id = sp["id"] as? String {
                    items.append(.special(id))
                } else {
                    throw f.missing("single", "Sequence or SpecialToken items")
                }
            }
            var specials = [String: [(Int32, [UInt32])]]()
            for (name, v) in (f.object["special_tokens"] as? JSONObject) ?? [:] {
                guard let o = v as? JSONObject, let ids = o["ids"] as? [Any], let toks = o["tokens"] as? [Any],
                    ids.count == toks.count
                else {
                    throw f.missing("special_tokens", "objects with ids and tokens")
                }
                specials[name] = try zip(ids, toks).map { id, t in
                    guard let i = (id as? NSNumberLike)?.intValue, let s = t as? String else {
                        throw f.missing("special_tokens", "ids and tokens")
                    }
                    return (Int32(i), Scalars.of(s))
                }
            }
            for case .special(let name) in items where specials[name] == nil {
                throw TokenizerError.invalidComponent(
                    component: "TemplateProcessing", reason: "special token \(name) is not defined")
            }
            self = .template(single: items, specials: specials)
        case "BertProcessing": self = .bert(sep: try pair("sep"), cls: try pair("cls"))
        case "RobertaProcessing":
            self = .roberta(
                sep: try pair("sep"), cls: try pair("cls"), trimOffsets: f.bool("trim_offsets", default: true),
                addPrefixSpace: f.bool("add_prefix_space", default: true))
        case "ByteLevel":
            self = .byteLevel(
                trimOffsets: f.bool("trim_offsets", default: true),
                addPrefixSpace: f.bool("add_prefix_space", default: true))
        case "Sequence": self = .sequence(try f.array("processors").map { try PostProcessor(json: $0) })
        default: throw TokenizerError.unsupported(component: "post_processor", type: f.type)
        }
    }

    func process(_ e: inout RawEncoding, addSpecialTokens: Bool) {
        switch self {
        case .template(let items, let specials):
            guard addSpecialTokens else { return }
            var out = RawEncoding()
            for item in items {
                switch item {
                case .sequence: out.append(contentsOf: e)
                case .special(let name):
                    for (id, piece) in specials[name] ?? [] {
                        out.append(id: id, piece: piece, start: 0, end: 0, special: true)
                    }
                }
            }
            e = out
        case .bert(let sep, let cls):
            guard addSpecialTokens else { return }
            var out = RawEncoding()
            out.append(id: cls.0, piece: cls.1, start: 0, end: 0, special: true)
            out.append(contentsOf: e)
            out.append(id: sep.0, piece: sep.1, start: 0, end: 0, special: true)
            e = out
        case .roberta(let sep, let cls, let trim, let addPrefixSpace):
            if trim { PostProcessor.trimOffsets(&e, addPrefixSpace: addPrefixSpace) }
            PostProcessor.bert(sep: sep, cls: cls).process(&e, addSpecialTokens: addSpecialTokens)
        case .byteLevel(let trim, let addPrefixSpace):
            if trim { PostProcessor.trimOffsets(&e, addPrefixSpace: addPrefixSpace) }
        case .sequence(let list):
            for p in list { p.process(&e, addSpecialTokens: addSpecialTokens) }
        }
    }

    /// HF `process_offsets`: drop leading/trailing `Ġ`/whitespace of each token from its offsets.
    static func trimOffsets(_ e: inout RawEncoding, addPrefixSpace: Bool) {
        let space = ByteLevelAlphabet.byteToScalar[0x20]
        func isSpace(_ v: UInt32) -> Bool { v == space || UnicodeClasses.isWhitespace(v) }
        for i in 0..<e.ids.count {
            let piece = e.pieces[i]
            var leading = 0
            while leading < piece.count && isSpace(piece[leading]) { leading += 1 }
            var trailing = 0
            while trailing < piece.count && isSpace(piece[piece.count - 1 - trailing]) { trailing += 1 }
            guard leading > 0 || trailing > 0 else { continue }
            if leading > 0 {
                let isFirst = i == 0 || e.starts[i] == 0
                if isFirst && addPrefixSpace && leading == 1 { leading = 0 }
                e.starts[i] = min(e.starts[i] + Int32(leading), e.ends[i])
            }
            if trailing > 0 && e.ends[i] >= Int32(trailing) {
                e.ends[i] = max(e.ends[i] - Int32(trailing), e.starts[i])
            }
        }
    }
}

/// Encoding under construction (struct of arrays).
struct RawEncoding {
    var ids: [Int32] = []
    var pieces: [[UInt32]] = []
    var starts: [Int32] = []
    var ends: [Int32] = []
    var special: [Bool] = []

    mutating func append(id: Int32, piece: [UInt32], start: Int32, end: Int32, special s: Bool) {
        ids.append(id)
        pieces.append(piece)
        starts.append(start)
        ends.append(end)
        special.append(s)
    }

    mutating func append(contentsOf o: RawEncoding) {
        ids += o.ids
        pieces += o.pieces
        starts += o.starts
        ends += o.ends
        special += o.special
    }
}
