import Foundation
import Systems

/// The token mapping of a transfer output or daemon checkpoint with both tokenizers, as `transtok mapping show`
/// reads it: `token_mapping.json`, the target `tokenizer.json` and the source tokenizer (`CheckpointLayout`).
public struct CheckpointMapping: Sendable {
    public let mapping: TokenMapping
    public let target: Tokenizer
    public let source: Tokenizer

    public init(directory: URL) throws {
        let mappingURL = CheckpointLayout.url(CheckpointLayout.tokenMapping, in: directory)
        do { mapping = try TokenMappingFile.read(from: mappingURL) } catch {
            throw ModelFileError.cannotOpen(
                path: mappingURL.path, reason: FileErrorText.reason(error, path: mappingURL.path))
        }
        target = try Tokenizer(contentsOf: CheckpointLayout.url(CheckpointLayout.tokenizer, in: directory))
        guard let sourceURL = CheckpointLayout.sourceTokenizerURL(in: directory) else {
            throw ModelFileError.cannotOpen(
                path: CheckpointLayout.url(CheckpointLayout.sourceTokenizer, in: directory).path,
                reason: "no source tokenizer in the directory")
        }
        source = try Tokenizer(contentsOf: sourceURL)
        guard mapping.targetVocabularySize <= target.vocabularySize,
            mapping.sourceVocabularySize <= source.vocabularySize
        else {
            throw ModelFileError.invalidConfig(
                "\(mappingURL.path): mapping is \(mapping.targetVocabularySize) target × \(mapping.sourceVocabularySize) source tokens, tokenizers have \(target.vocabularySize) and \(source.vocabularySize)"
            )
        }
    }

    /// The target id of `token`: `#id`, a piece (`Ġcasa`) or a decoded text (` casa`).
    public func targetID(_ token: String) -> Int? {
        let id: Int? =
            token.hasPrefix("#")
            ? Int(token.dropFirst())
            : target.id(forPiece: token) ?? (0..<target.vocabularySize).first { target.decodedText(for: $0) == token }
        guard let id, id >= 0, id < mapping.targetVocabularySize else { return nil }
        return id
    }
}
