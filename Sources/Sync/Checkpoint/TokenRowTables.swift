/// Which tensors of a safetensors file are token row tables: one row per vocabulary entry (input embeddings,
/// output projections). A vocabulary adaptation refreshes rows of these tables scattered over the whole table, so
/// the chunker cuts them much finer than other tensors.
///
/// Rule (one file at a time, nothing but the header is needed):
/// 1. a 2-D tensor whose name is a known token-table name, as the last dotted components: `embed_tokens.weight`,
///    `lm_head.weight`, `wte.weight`, `word_embeddings.weight`, `tok_embeddings.weight`, `embed_in.weight`,
///    `embed_out.weight`, `shared.weight`, or exactly `output.weight`;
/// 2. any other 2-D tensor whose first dimension equals the first dimension of a tensor found by rule 1 (the vocab).
/// Names alone miss unusual architectures; the vocab rule catches their lm_head when the embedding is named
/// conventionally. A tensor wrongly included (an MLP whose width equals the vocab) only costs more, smaller blobs.
enum TokenRowTables {
    static let knownNames = [
        "embed_tokens.weight", "lm_head.weight", "wte.weight", "word_embeddings.weight", "tok_embeddings.weight",
        "embed_in.weight", "embed_out.weight", "shared.weight",
    ]

    static func hasKnownName(_ name: String) -> Bool {
        if name == "output.weight" { return true }
        return knownNames.contains { name == $0 || name.hasSuffix("." + $0) }
    }

    /// Names of the row tables among `tensors`.
    static func names(in tensors: [SafetensorsLayout.Tensor]) -> Set<String> {
        let matrices = tensors.filter { $0.shape.count == 2 }
        let named = matrices.filter { hasKnownName($0.name) }
        let vocabs = Set(named.map { $0.shape[0] })
        return Set(named.map(\.name) + matrices.filter { vocabs.contains($0.shape[0]) }.map(\.name))
    }
}
