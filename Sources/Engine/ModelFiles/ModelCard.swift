import Foundation

/// The `README.md` model card of a directory transtok writes (`CheckpointLayout.modelCard`): Hugging Face front
/// matter (language, base_model, library_name, tags, license when the source states one), what the model is, how it
/// was made, its figures, and a `transformers` snippet that loads it (plain, or Hydra: the input table holds target
/// then source rows and the head predicts target tokens, which stock `transformers` classes take with a short setup).
public struct ModelCard: Sendable, Equatable {
    public var title: String
    public var base: BaseModelInfo
    /// `model_type` of the source (for Hydra, the class the snippet instantiates).
    public var architecture: String
    public var kind: ModelArchitecture.Kind
    /// ISO codes when known.
    public var sourceLanguage: String?
    public var targetLanguage: String?
    /// e.g. "BPE, 16000 tokens".
    public var tokenizer: String
    /// Sentence pairs the mapping was built from.
    public var corpusPairs: Int
    /// How it was made, in order: ("initialisation", "transtok (token mapping)"), ("aligner", "best"), …
    public var method: [Entry]
    /// Figures (from the manifest or the transfer report), in order.
    public var figures: [Entry]
    public var hydra: Bool
    public var dtype: String
    /// Where it came from: "transtok transfer 0.1.0 (commit …)", "transtokd workspace en-es, checkpoint 000012".
    public var producedBy: String

    public struct Entry: Sendable, Equatable {
        public var name: String
        public var value: String
        public init(_ name: String, _ value: String) {
            self.name = name
            self.value = value
        }
    }

    public init(
        title: String, base: BaseModelInfo, architecture: String, kind: ModelArchitecture.Kind,
        sourceLanguage: String?, targetLanguage: String?, tokenizer: String, corpusPairs: Int, method: [Entry],
        figures: [Entry], hydra: Bool, dtype: String, producedBy: String
    ) {
        self.title = title
        self.base = base
        self.architecture = architecture
        self.kind = kind
        self.sourceLanguage = sourceLanguage
        self.targetLanguage = targetLanguage
        self.tokenizer = tokenizer
        self.corpusPairs = corpusPairs
        self.method = method
        self.figures = figures
        self.hydra = hydra
        self.dtype = dtype
        self.producedBy = producedBy
    }

    // MARK: rendering

    public var markdown: String {
        var lines = ["---"]
        let languages = [targetLanguage, sourceLanguage].compactMap { $0 }.filter { !$0.isEmpty }
        if !languages.isEmpty {
            lines.append("language:")
            lines += Self.unique(languages).map { "- \(Self.yaml($0))" }
        }
        if let hub = base.hubID { lines.append("base_model: \(Self.yaml(hub))") }
        lines.append("library_name: transformers")
        if let license = base.license { lines.append("license: \(Self.yaml(license))") }
        if kind == .decoder { lines.append("pipeline_tag: text-generation") }
        lines.append("tags:")
        lines += (["transtok", "trans-tokenization"] + (hydra ? ["hydra"] : [])).map { "- \($0)" }
        lines.append("---")
        lines.append("")
        lines.append("# \(title)")
        lines.append("")
        let languagePhrase = targetLanguage.map { " for \($0)" } ?? ""
        lines.append(
            "\(base.displayName) adapted\(languagePhrase) by trans-tokenization: a new tokenizer, and new embedding "
                + "rows\(kind == .decoder ? " and output head" : "") built from the original model's rows through a "
                + "token mapping learnt on a parallel corpus. Every other tensor is the base model's.")
        if hydra {
            lines.append("")
            lines.append(
                "This is a **Hydra** model: its input table is `[E_target ; E_source]` (source-language tokens are "
                    + "read with their ids offset by `hydra_source_offset`), and its head predicts target-language "
                    + "tokens. Prompt it in the source language, read the continuation in the target language.")
        }
        lines.append("")
        lines.append("| | |")
        lines.append("|---|---|")
        var facts: [Entry] = [
            Entry("Base model", base.hubID.map { "[\($0)](https://huggingface.co/\($0))" } ?? "`\(base.displayName)`")
        ]
        if let license = base.license { facts.append(Entry("Base model license", license)) }
        facts.append(Entry("Architecture", "\(architecture) (\(kind.rawValue))\(hydra ? ", Hydra" : "")"))
        let source = sourceLanguage ?? "?", target = targetLanguage ?? "?"
        if sourceLanguage != nil || targetLanguage != nil { facts.append(Entry("Languages", "\(source) → \(target)")) }
        facts.append(
            Entry("Tokenizer", tokenizer + " (`tokenizer.json`; the base model's own is in `source_tokenizer/`)"))
        facts.append(Entry("Parallel corpus", "\(corpusPairs) sentence pairs"))
        facts.append(Entry("Weights", dtype))
        facts += method
        lines += facts.map { "| \($0.name) | \(Self.cell($0.value)) |" }
        if !figures.isEmpty {
            lines.append("")
            lines.append("## Figures")
            lines.append("")
            lines.append("| figure | value |")
            lines.append("|---|---|")
            lines += figures.map { "| \($0.name) | \(Self.cell($0.value)) |" }
        }
        lines.append("")
        lines.append("## Use with transformers")
        lines.append("")
        lines.append("Run from this directory (or set `path` to it, or to its Hub repository id):")
        lines.append("")
        lines.append("```python")
        lines += snippet
        lines.append("```")
        lines.append("")
        lines.append("## Provenance")
        lines.append("")
        lines.append(
            "Made by \(producedBy). The files `token_mapping.json` (each target token's weighted source tokens) "
                + "and `source_tokenizer/tokenizer.json` let you inspect or redo the mapping "
                + "(`transtok mapping show`).")
        return lines.joined(separator: "\n") + "\n"
    }

    /// The `transformers` code of the card (one ```python block).
    public var snippet: [String] {
        if hydra { return hydraSnippet }
        if kind == .encoder {
            return [
                "from transformers import AutoModel, AutoTokenizer",
                "",
                "path = \".\"  # this directory",
                "tokenizer = AutoTokenizer.from_pretrained(path)",
                "model = AutoModel.from_pretrained(path)",
                "inputs = tokenizer(\(Self.pythonString(exampleText)), return_tensors=\"pt\")",
                "print(model(**inputs).last_hidden_state.shape)",
            ]
        }
        return [
            "from transformers import AutoModelForCausalLM, AutoTokenizer",
            "",
            "path = \".\"  # this directory",
            "tokenizer = AutoTokenizer.from_pretrained(path)",
            "model = AutoModelForCausalLM.from_pretrained(path)",
            "inputs = tokenizer(\(Self.pythonString(exampleText)), return_tensors=\"pt\")",
            "output = model.generate(**inputs, max_new_tokens=20, do_sample=False)",
            "print(tokenizer.decode(output[0], skip_special_tokens=True))",
        ]
    }

    private var hydraSnippet: [String] {
        [
            "import json, os",
            "import torch",
            "from safetensors.torch import load_file",
            "from transformers import AutoConfig, AutoModelForCausalLM, AutoTokenizer, PreTrainedTokenizerFast",
            "",
            "path = \".\"  # this directory",
            "config = json.load(open(os.path.join(path, \"config.json\")))",
            "hydra = {key: config.pop(key) for key in (\"input_vocab_size\", \"output_vocab_size\", \"hydra_source_offset\")}",
            "for key in (\"model_type\", \"architectures\"):",
            "    config.pop(key, None)",
            "config = AutoConfig.for_model(\(Self.pythonString(architecture)), **config)",
            "config.vocab_size = hydra[\"input_vocab_size\"]  # input table [E_target ; E_source]",
            "model = AutoModelForCausalLM.from_config(config)",
            "index = os.path.join(path, \"model.safetensors.index.json\")",
            "files = sorted(set(json.load(open(index))[\"weight_map\"].values())) if os.path.exists(index) else [\"model.safetensors\"]",
            "state = {}",
            "for name in files:",
            "    state.update(load_file(os.path.join(path, name)))",
            "# The head scores the target tokens; its bias, when present, is their log-prior (transtok's HydraPrior).",
            "model.lm_head = torch.nn.Linear(config.hidden_size, hydra[\"output_vocab_size\"], bias=\"lm_head.bias\" in state)",
            "model.load_state_dict(state)",
            "model.eval()",
            "",
            "source_tokenizer = PreTrainedTokenizerFast(tokenizer_file=os.path.join(path, \"source_tokenizer\", \"tokenizer.json\"))",
            "target_tokenizer = AutoTokenizer.from_pretrained(path)",
            "prompt = source_tokenizer(\(Self.pythonString(exampleText)), return_tensors=\"pt\").input_ids + hydra[\"hydra_source_offset\"]",
            "# Free generation. `transtok translate` decodes source-paced instead: the body reads the source text",
            "# word by word through the source rows and the head renders each word, choosing among the aligner's",
            "# translations in hydra_lexicon.tsv (see transtok's docs/method.md).",
            "output = model.generate(prompt, max_new_tokens=20, do_sample=False)",
            "print(target_tokenizer.decode(output[0, prompt.shape[1]:], skip_special_tokens=True))",
        ]
    }

    private var exampleText: String { hydra ? "Translate into \(targetLanguage ?? "the target language"):" : "Hello" }

    /// Writes `README.md` into `directory`, atomically and durably.
    public func write(into directory: URL) throws {
        try AtomicFile.write(
            Array(markdown.utf8), to: CheckpointLayout.url(CheckpointLayout.modelCard, in: directory).path)
    }

    /// "BPE, 16000 tokens (byte-level)".
    public static func tokenizerSummary(_ tokenizer: Tokenizer) -> String {
        let type =
            switch tokenizer.model {
            case .bpe: "BPE"
            case .wordPiece: "WordPiece"
            case .unigram: "Unigram"
            }
        return "\(type), \(tokenizer.vocabularySize) tokens" + (tokenizer.isByteLevel ? " (byte-level)" : "")
    }

    /// "BPE, 16000 tokens" from a `tokenizer.json` text without parsing its vocabulary: the `type` that Hugging Face
    /// writes first in the `model` object ("16000 tokens" when it is not there).
    public static func tokenizerSummary(json: String, vocabularySize: Int) -> String {
        let pattern = #""model"\s*:\s*\{\s*"type"\s*:\s*"([A-Za-z]+)""#
        guard let match = json.range(of: pattern, options: .regularExpression) else {
            return "\(vocabularySize) tokens"
        }
        let type = json[match].split(separator: "\"").dropLast().last.map(String.init) ?? "?"
        return "\(type), \(vocabularySize) tokens"
    }

    static func unique(_ items: [String]) -> [String] {
        var seen = Set<String>()
        return items.filter { seen.insert($0).inserted }
    }

    /// A YAML scalar: plain when safe, else double-quoted.
    static func yaml(_ text: String) -> String {
        let safe =
            !text.isEmpty
            && text.unicodeScalars.allSatisfy {
                CharacterSet.alphanumerics.contains($0) || "-_./".unicodeScalars.contains($0)
            } && !["yes", "no", "true", "false", "null", "on", "off"].contains(text.lowercased())
        return safe
            ? text
            : "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
                + "\""
    }

    static func cell(_ text: String) -> String {
        text.replacingOccurrences(of: "|", with: "\\|").replacingOccurrences(of: "\n", with: " ")
    }

    static func pythonString(_ text: String) -> String {
        "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }
}

/// What a source model says about itself: a name, its Hub id and license when stated (GGUF `general.*` metadata; a
/// Hugging Face directory's `config.json` `_name_or_path` and its `README.md` front matter). Nothing is guessed.
public struct BaseModelInfo: Sendable, Equatable {
    public var displayName: String
    public var hubID: String?
    public var license: String?
    public var languages: [String]

    public init(displayName: String, hubID: String? = nil, license: String? = nil, languages: [String] = []) {
        self.displayName = displayName
        self.hubID = hubID
        self.license = license
        self.languages = languages
    }

    public static func read(path: String) -> BaseModelInfo {
        let url = URL(fileURLWithPath: path)
        let fileName = url.lastPathComponent
        var isDirectory: ObjCBool = false
        _ = FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory)
        if !isDirectory.boolValue {
            guard let gguf = try? GGUFFile(path: path) else { return BaseModelInfo(displayName: fileName) }
            let repository = [
                "general.source.huggingface.repository", "general.base_model.0.repo_url", "general.source.url",
            ]
            .lazy.compactMap { gguf[$0]?.string }.compactMap(hubID(fromURL:)).first
            let name = gguf["general.name"]?.string.map { "\($0) (\(fileName))" } ?? fileName
            return BaseModelInfo(
                displayName: name, hubID: repository, license: gguf["general.license"]?.string,
                languages: gguf["general.languages"]?.array?.compactMap(\.string) ?? [])
        }
        var info = BaseModelInfo(displayName: fileName)
        if let text = try? String(contentsOf: url.appendingPathComponent(CheckpointLayout.config), encoding: .utf8),
            let name = (try? JSONValue.parse(text))?["_name_or_path"]?.string, isHubID(name)
        {
            info.hubID = name
            info.displayName = name
        }
        if let readme = try? String(contentsOf: url.appendingPathComponent(CheckpointLayout.modelCard), encoding: .utf8)
        {
            info.license = frontMatter(readme)["license"]
        }
        return info
    }

    /// `owner/name` with Hub characters only (not an absolute or relative path).
    static func isHubID(_ text: String) -> Bool {
        text.range(of: #"^[A-Za-z0-9][A-Za-z0-9._-]*/[A-Za-z0-9][A-Za-z0-9._-]*$"#, options: .regularExpression) != nil
            && !FileManager.default.fileExists(atPath: text)
    }

    static func hubID(fromURL url: String) -> String? {
        for prefix in ["https://huggingface.co/", "http://huggingface.co/", "hf://"] where url.hasPrefix(prefix) {
            let parts = url.dropFirst(prefix.count).split(separator: "/").prefix(2)
            let id = parts.joined(separator: "/")
            return parts.count == 2 && isHubID(id) ? id : nil
        }
        return isHubID(url) ? url : nil
    }

    /// Top-level `key: value` scalars of a README's YAML front matter.
    static func frontMatter(_ text: String) -> [String: String] {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        guard lines.first?.trimmingCharacters(in: .whitespaces) == "---" else { return [:] }
        var result: [String: String] = [:]
        for line in lines.dropFirst() {
            if line.trimmingCharacters(in: .whitespaces) == "---" { break }
            guard !line.hasPrefix(" "), !line.hasPrefix("-"), let colon = line.firstIndex(of: ":") else { continue }
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
                .trimmingCharacters(in: CharacterSet(charactersIn: "\"'"))
            if !value.isEmpty { result[String(line[..<colon])] = value }
        }
        return result
    }
}
