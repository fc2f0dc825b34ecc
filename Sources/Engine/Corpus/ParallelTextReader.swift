import Foundation

/// One sentence pair as read from parallel text: each side's text as written (not normalised, not tokenised) and the
/// 1-based line where it is (for TMX, the line where its unit starts).
public struct SentencePairText: Equatable, Sendable {
    public var source: String
    public var target: String
    public var line: Int

    public init(source: String, target: String, line: Int) {
        self.source = source
        self.target = target
        self.line = line
    }
}

/// The one reader of parallel text, for the daemon's watched folders and the CLI's `align`/`transfer`: every
/// `CorpusFormat` from a `CorpusByteStream` (a file or a `.gz`, streamed in chunks), one line (or TMX unit) held at a
/// time, each pair handed to a closure as soon as it is read. What a pair means (normalised and hashed by the daemon,
/// tokenised by `align`) is the caller's; the layout, the bounds and the errors (`CorpusReadError`: reason, line,
/// side, path) are this type's.
///
/// Per format:
/// - `tsv`: exactly two tab-separated fields per line. `jsonLines`: an object with string fields `src` and `tgt`.
///   A blank line (whitespace only) of either is a pair of two empty sides (so line k is still pair k).
/// - `moses`: line k of the source file with line k of the target file, read in step; each line as written. Differing
///   line counts are an error (`kind: .lineCounts`), found by reading both files to the end; it takes the place of a
///   `CorpusContentError` the consumer threw (see there).
/// - `fastAlign`: the whitespace-delimited token `|||` (spaces or tabs around it) splits each line; none is
///   `kind: .missingSeparator`, two are an error.
/// - `tmx`: one pair per translation unit with a segment in both `sourceLanguage` and `targetLanguage` (others are
///   skipped: TMX is multilingual), bounded to `maxLineBytes` of segment text per unit.
public struct ParallelTextReader: Sendable {
    /// A line (or TMX unit) longer than this is an error naming it.
    public var maxLineBytes: Int
    /// Content beyond this (on disk or once inflated) is an error, not a truncation.
    public var maxFileBytes: Int
    /// Binary content (a NUL byte) and invalid UTF-8 are errors (the daemon); otherwise invalid UTF-8 is decoded with
    /// replacement characters (fast_align's tolerance, for `align`/`transfer`).
    public var strict: Bool
    /// Refuse FIFOs, devices and sockets (the daemon); the CLI's user may hand it `/dev/stdin`.
    public var regularFileOnly: Bool
    /// The languages a TMX unit is read for.
    public var sourceLanguage: String?
    public var targetLanguage: String?

    public init(
        maxLineBytes: Int, maxFileBytes: Int = Int.max, strict: Bool, regularFileOnly: Bool,
        sourceLanguage: String? = nil, targetLanguage: String? = nil
    ) {
        self.maxLineBytes = maxLineBytes
        self.maxFileBytes = maxFileBytes
        self.strict = strict
        self.regularFileOnly = regularFileOnly
        self.sourceLanguage = sourceLanguage
        self.targetLanguage = targetLanguage
    }

    /// Opens a file (see `CorpusByteStream`); an error carries the path.
    public func open(_ path: String) throws(CorpusReadError) -> CorpusByteStream {
        do { return try CorpusByteStream(path: path, maxBytes: maxFileBytes, regularFileOnly: regularFileOnly) } catch {
            var error = error
            error.path = path
            throw error
        }
    }

    /// The lines of a stream, with this reader's bounds.
    public func lines(_ stream: CorpusByteStream) -> CorpusLineReader {
        CorpusLineReader(stream: stream, maxLineBytes: maxLineBytes, strict: strict)
    }

    /// Opens `path` (and, for `moses`, `partner`: the target side) and reads every pair. Errors of the reader carry
    /// the path of the file they concern.
    public func read(
        _ format: CorpusFormat, path: String, partner: String? = nil, pair: (SentencePairText) throws -> Void
    ) throws {
        let primary = try open(path)
        let second = try partner.map { path throws(CorpusReadError) in try open(path) }
        do { try read(format, primary, partner: second, pair: pair) } catch var error as CorpusReadError {
            if case .lineCounts(let sourceLines, let targetLines) = error.kind, let partner {
                error.reason = "line counts differ: \(path) has \(sourceLines) lines, \(partner) has \(targetLines)"
            } else if error.path == nil {
                error.path = error.side == .target ? partner : path
            }
            throw error
        }
    }

    /// Reads every pair of `primary` (and, for `moses`, of `partner`: the target side) in `format`. An error thrown
    /// by `pair` ends the read with that error (for `moses`, see `CorpusContentError`).
    public func read(
        _ format: CorpusFormat, _ primary: CorpusByteStream, partner: CorpusByteStream? = nil,
        pair: (SentencePairText) throws -> Void
    ) throws {
        switch format {
        case .tsv: try readTSV(lines(primary), pair)
        case .jsonLines: try readJSONLines(lines(primary), pair)
        case .fastAlign: try readFastAlign(lines(primary), pair)
        case .tmx:
            guard let sourceLanguage, let targetLanguage else {
                throw CorpusReadError("TMX is read for a source and a target language; none was given")
            }
            try withoutActuallyEscaping(pair) { pair in
                try TMXReader.read(primary, maxUnitBytes: maxLineBytes) { unit in
                    guard let source = unit.segment(for: sourceLanguage), let target = unit.segment(for: targetLanguage)
                    else { return }
                    try pair(SentencePairText(source: source, target: target, line: unit.line))
                }
            }
        case .moses:
            guard let partner else { throw CorpusReadError("a line-parallel pair needs its target file") }
            try readLineParallel(source: lines(primary), target: lines(partner), pair)
        }
    }

    // MARK: The formats

    private func readTSV(_ lines: CorpusLineReader, _ pair: (SentencePairText) throws -> Void) throws {
        while let text = try lines.next() {
            let number = lines.lineNumber
            if Self.isBlank(text) {
                try pair(SentencePairText(source: "", target: "", line: number))
                continue
            }
            let fields = text.split(separator: "\t", omittingEmptySubsequences: false)
            guard fields.count == 2 else {
                throw CorpusReadError(
                    "expected 2 tab-separated fields (source, target), found \(fields.count)", line: number)
            }
            try pair(SentencePairText(source: String(fields[0]), target: String(fields[1]), line: number))
        }
    }

    private func readJSONLines(_ lines: CorpusLineReader, _ pair: (SentencePairText) throws -> Void) throws {
        struct Line: Decodable {
            var src: String
            var tgt: String
        }
        let decoder = JSONDecoder()
        while let text = try lines.next() {
            let number = lines.lineNumber
            if Self.isBlank(text) {
                try pair(SentencePairText(source: "", target: "", line: number))
                continue
            }
            let line: Line
            do { line = try decoder.decode(Line.self, from: Data(text.utf8)) } catch {
                throw CorpusReadError("not a JSON object with string fields \"src\" and \"tgt\"", line: number)
            }
            try pair(SentencePairText(source: line.src, target: line.tgt, line: number))
        }
    }

    private func readFastAlign(_ lines: CorpusLineReader, _ pair: (SentencePairText) throws -> Void) throws {
        while let text = try lines.next() {
            let number = lines.lineNumber
            var utf8 = Substring(text).utf8
            var separator: Range<String.Index>?
            // The token `|||`: bounded by the line's ends or by spaces/tabs.
            while let found = utf8.firstRange(of: "|||".utf8) {
                let before =
                    found.lowerBound == text.startIndex ? nil : text.utf8[text.utf8.index(before: found.lowerBound)]
                let after = found.upperBound == text.endIndex ? nil : text.utf8[found.upperBound]
                if before.map(Self.isSpaceOrTab) ?? true, after.map(Self.isSpaceOrTab) ?? true {
                    if separator != nil {
                        throw CorpusReadError("more than one ' ||| ' separator", line: number)
                    }
                    separator = found
                }
                utf8 = text[found.upperBound...].utf8
            }
            guard let separator else {
                throw CorpusReadError(
                    "no ' ||| ' separator between source and target", line: number, kind: .missingSeparator)
            }
            try pair(
                SentencePairText(
                    source: String(text[..<separator.lowerBound]), target: String(text[separator.upperBound...]),
                    line: number))
        }
    }

    /// Both files in step. A line that is not text is reported first; then differing line counts; then the first
    /// `CorpusContentError` the consumer threw (after which it is not called again).
    private func readLineParallel(
        source: CorpusLineReader, target: CorpusLineReader, _ pair: (SentencePairText) throws -> Void
    ) throws {
        func next(_ reader: CorpusLineReader, _ side: CorpusReadError.Side) throws(CorpusReadError) -> String? {
            do { return try reader.next() } catch {
                var error = error
                error.side = side
                throw error
            }
        }
        func rest(_ reader: CorpusLineReader, _ side: CorpusReadError.Side) throws(CorpusReadError) -> Int {
            do { return try reader.skipToEnd() } catch {
                var error = error
                error.side = side
                throw error
            }
        }
        var contentError: (any Error)?
        while true {
            let s = try next(source, .source)
            let t = try next(target, .target)
            guard let s, let t else {
                if s == nil, t == nil { break }
                // One side ended: count the rest of the other for the message.
                let sourceLines = s == nil ? source.lineNumber : source.lineNumber + (try rest(source, .source))
                let targetLines = t == nil ? target.lineNumber : target.lineNumber + (try rest(target, .target))
                throw CorpusReadError(
                    "line counts differ: source has \(sourceLines), target has \(targetLines)",
                    kind: .lineCounts(source: sourceLines, target: targetLines))
            }
            guard contentError == nil else { continue } // still reading on, for the line counts
            do { try pair(SentencePairText(source: s, target: t, line: source.lineNumber)) } catch let error
                as CorpusContentError
            {
                contentError = error
            }
        }
        if let contentError { throw contentError }
    }

    // MARK: Pieces

    /// Only Unicode white space.
    public static func isBlank(_ text: String) -> Bool { text.unicodeScalars.allSatisfy(\.properties.isWhitespace) }

    private static func isSpaceOrTab(_ byte: UInt8) -> Bool { byte == 32 || byte == 9 }
}
