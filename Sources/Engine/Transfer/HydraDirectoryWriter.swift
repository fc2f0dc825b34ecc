import Foundation

/// Writes a Hydra model directory (`CheckpointLayout`): every body tensor of the source (unchanged safetensors shards
/// reused, not rewritten), `model.embed_tokens.weight` = `[E_tgt ; E_src]`, `lm_head.weight` = `U_tgt`,
/// `lm_head.bias` = the target log-prior when given (`HydraPrior`; the runtime adds it to the head's logits),
/// `hydra_lexicon.tsv` when given (`HydraLexicon`: the word translations source-paced decoding chooses among), the
/// source `config.json` with the Hydra keys (`HydraConfig`: `input_vocab_size`, `output_vocab_size`,
/// `hydra_source_offset`, `hydra_target_tokens_per_source_byte` with a prior, and `model_type` `llama_hydra` for a
/// Llama source; other decoders keep theirs) that the runtime reads, the target tokenizer and `source_tokenizer/tokenizer.json`.
public enum HydraWriter {
    public static func write(
        to output: URL, config: ModelConfig, source: any TensorFile, target: EmbeddingMatrix,
        targetHead: EmbeddingMatrix?,
        sourceEmbedding: EmbeddingMatrix, tokenizer: HFTokenizerBundle, dtype: TensorDType,
        sourceTokenizerJSON: String? = nil, shardReuse: HFModelDirectoryWriter.ShardReuse = .link,
        extraFiles: [(String, [UInt8])] = [], prior: HydraPrior? = nil, lexicon: HydraLexicon? = nil
    ) throws {
        guard config.architecture.kind == .decoder else {
            throw ModelFileError.invalidConfig(
                "a Hydra model needs a decoder; '\(config.architecture.modelType)' is an encoder")
        }
        let hydra = try HydraAssembler.assemble(
            targetEmbedding: target, sourceEmbedding: sourceEmbedding, targetHead: targetHead)
        let input = hydra.inputEmbedding, head = hydra.outputHead
        if let prior, prior.headBias.count != head.rows {
            throw ModelFileError.invalidConfig(
                "the head bias has \(prior.headBias.count) values for \(head.rows) target tokens")
        }
        var writer = HFModelDirectoryWriter(outputDType: dtype)
        writer.shardReuse = shardReuse
        // A Llama source becomes `llama_hydra` (the Tweeties checkpoints' name); any other decoder keeps its own
        // model_type and architectures, so the runtime still runs its family's blocks (Gemma norms, windows…) and
        // recognises Hydra by the keys below.
        var extra: [(String, JSONValue)] =
            config.architecture.modelType == "llama"
            ? [
                ("architectures", .array(hydra.config.architectures.map { .string($0) })),
                ("model_type", .string(hydra.config.modelType)),
            ] : []
        extra += [
            ("input_vocab_size", .int(hydra.config.inputVocabSize)),
            ("output_vocab_size", .int(hydra.config.outputVocabSize)),
            ("vocab_size", .int(hydra.config.vocabSize)),
            ("hydra_source_offset", .int(hydra.config.sourceIDOffset)),
        ]
        extra.append(("tie_word_embeddings", .bool(false)))
        var files = extraFiles
        if let lexicon { files.append((CheckpointLayout.hydraLexicon, lexicon.tsv)) }
        if let sourceTokenizerJSON {
            files.append(
                (
                    CheckpointLayout.sourceTokenizer,
                    Array((sourceTokenizerJSON.hasSuffix("\n") ? sourceTokenizerJSON : sourceTokenizerJSON + "\n").utf8)
                ))
        }
        var replacements: [String: (shape: [Int], values: [Float])] = [
            HydraAssembler.inputTensorName: ([input.rows, input.columns], input.values),
            HydraAssembler.outputTensorName: ([head.rows, head.columns], head.values),
        ]
        if let prior {
            replacements[HydraAssembler.outputBiasName] = ([prior.headBias.count], prior.headBias)
            extra.append((HydraConfig.targetTokensPerSourceByteKey, .double(prior.targetTokensPerSourceByte)))
        }
        try writer.write(
            to: output, config: config, tokenizer: tokenizer, source: source,
            replacements: replacements,
            tie: false, configExtra: extra, extraFiles: files)
    }
}
