import Foundation

/// Writes a Hydra model directory: every body tensor of the source, `model.embed_tokens.weight` = `[E_tgt ; E_src]`,
/// `lm_head.weight` = `U_tgt`, and `config.json` with the Hydra keys (`HydraConfig`: `input_vocab_size`,
/// `output_vocab_size`, `hydra_source_offset`, `model_type` `llama_hydra`) that the runtime reads.
public enum HydraWriter {
    public static func write(to output: URL, config: LlamaConfig, source: any TensorFile, target: EmbeddingMatrix, targetHead: EmbeddingMatrix?,
                      sourceEmbedding: EmbeddingMatrix, tokenizer: HFTokenizerBundle, dtype: TensorDType) throws {
        let hydra = try HydraAssembler.assemble(targetEmbedding: target, sourceEmbedding: sourceEmbedding, targetHead: targetHead)
        let tmp = output.deletingLastPathComponent().appendingPathComponent(".\(output.lastPathComponent).tmp-\(getpid())")
        try? FileManager.default.removeItem(at: tmp)
        try FileManager.default.createDirectory(at: tmp, withIntermediateDirectories: true)
        var writer = try SafetensorsWriter(outputDType: dtype)
        let replaced: Set<String> = [HydraAssembler.inputTensorName, HydraAssembler.outputTensorName]
        try writer.addAll(from: source, except: replaced)
        let input = hydra.inputEmbedding, head = hydra.outputHead
        try writer.add(HydraAssembler.inputTensorName, shape: [input.rows, input.columns], .float32(input.values))
        try writer.add(HydraAssembler.outputTensorName, shape: [head.rows, head.columns], .float32(head.values))
        _ = try writer.write(to: tmp, baseName: "model")

        let torch = ["F32": "float32", "F16": "float16", "BF16": "bfloat16"][dtype.rawValue] ?? "float32"
        var base = config
        base.vocabSize = hydra.config.vocabSize
        base.tieWordEmbeddings = false
        base.bosTokenID = tokenizer.bosTokenID
        base.eosTokenID = tokenizer.eosTokenID
        base.padTokenID = tokenizer.padTokenID
        var fields = base.huggingFaceJSON(torchDType: torch).object ?? []
        let keys = try JSONSerialization.jsonObject(with: JSONEncoder().encode(hydra.config)) as? [String: Any] ?? [:]
        fields.removeAll { keys[$0.0] != nil }
        fields.append(("architectures", .array(hydra.config.architectures.map { .string($0) })))
        fields.append(("model_type", .string(hydra.config.modelType)))
        fields.append(("input_vocab_size", .int(hydra.config.inputVocabSize)))
        fields.append(("output_vocab_size", .int(hydra.config.outputVocabSize)))
        fields.append(("vocab_size", .int(hydra.config.vocabSize)))
        fields.append(("tie_word_embeddings", .bool(false)))
        fields.append(("hydra_source_offset", .int(hydra.config.sourceIDOffset)))
        try Data((JSONValue.object(fields).serialized(indent: 2) + "\n").utf8).write(to: tmp.appendingPathComponent("config.json"))
        var generation: [(String, JSONValue)] = []
        if let b = tokenizer.bosTokenID { generation.append(("bos_token_id", .int(b))) }
        if let e = tokenizer.eosTokenID { generation.append(("eos_token_id", .int(e))) }
        try Data((JSONValue.object(generation).serialized(indent: 2) + "\n").utf8).write(to: tmp.appendingPathComponent("generation_config.json"))
        for (name, bytes) in tokenizer.files { try Data(bytes).write(to: tmp.appendingPathComponent(name)) }
        if FileManager.default.fileExists(atPath: output.path) { try FileManager.default.removeItem(at: output) }
        try FileManager.default.moveItem(at: tmp, to: output)
    }
}
