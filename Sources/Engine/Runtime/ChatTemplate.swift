/// One turn of a conversation.
public struct ChatMessage: Sendable, Equatable, Codable {
    public enum Role: String, Sendable, Codable { case system, user, assistant }
    public var role: Role
    public var content: String
    public init(_ role: Role, _ content: String) {
        self.role = role
        self.content = content
    }
}

/// The chat formats of the Llama family, rendered natively (no Jinja): ChatML (SmolLM2, TowerInstruct, Qwen),
/// Llama 3, Llama 2 (`[INST] <<SYS>>`), Mistral (`[INST]`, system text folded into the first user turn).
public struct ChatTemplate: Sendable, Equatable {
    public enum Format: String, Sendable, CaseIterable { case chatml, llama3, llama2, mistral }

    public var format: Format
    /// System prompt used when the conversation has none (SmolLM2's template inserts one).
    public var defaultSystem: String?

    public init(_ format: Format, defaultSystem: String? = nil) {
        self.format = format
        self.defaultSystem = defaultSystem
    }

    /// Token strings that end an assistant turn (look their ids up in the tokenizer and use them as stop tokens).
    public var stopPieces: [String] {
        switch format {
        case .chatml: ["<|im_end|>"]
        case .llama3: ["<|eot_id|>"]
        case .llama2, .mistral: ["</s>"]
        }
    }

    /// The prompt text for `messages`; `addGenerationPrompt` opens the assistant's turn.
    public func render(_ messages: [ChatMessage], addGenerationPrompt: Bool = true) -> String {
        var turns = messages
        if turns.first?.role != .system, let system = defaultSystem {
            turns.insert(ChatMessage(.system, system), at: 0)
        }
        switch format {
        case .chatml:
            var s = turns.map { "<|im_start|>\($0.role.rawValue)\n\($0.content)<|im_end|>\n" }.joined()
            if addGenerationPrompt { s += "<|im_start|>assistant\n" }
            return s
        case .llama3:
            var s =
                "<|begin_of_text|>"
                + turns.map {
                    "<|start_header_id|>\($0.role.rawValue)<|end_header_id|>\n\n\($0.content)<|eot_id|>"
                }.joined()
            if addGenerationPrompt { s += "<|start_header_id|>assistant<|end_header_id|>\n\n" }
            return s
        case .llama2, .mistral:
            var system: String?
            if turns.first?.role == .system { system = turns.removeFirst().content }
            var s = ""
            var firstUser = true
            for m in turns {
                switch m.role {
                case .user:
                    var content = m.content
                    if firstUser, let sys = system {
                        content = format == .llama2 ? "<<SYS>>\n\(sys)\n<</SYS>>\n\n\(content)" : "\(sys)\n\n\(content)"
                    }
                    firstUser = false
                    s += (format == .llama2 || s.isEmpty ? "<s>" : "") + "[INST] \(content) [/INST]"
                case .assistant:
                    s += format == .llama2 ? " \(m.content) </s>" : "\(m.content)</s>"
                case .system:
                    s += "<s>[INST] \(m.content) [/INST]"
                }
            }
            return s
        }
    }

    /// Recognises the format of a Jinja chat template (GGUF `tokenizer.chat_template`, `tokenizer_config.json`),
    /// including a default system prompt written literally into a ChatML template (SmolLM2).
    public static func detect(jinja: String) -> ChatTemplate? {
        if jinja.contains("<|im_start|>") {
            return ChatTemplate(.chatml, defaultSystem: literalSystemPrompt(in: jinja))
        }
        if jinja.contains("<|start_header_id|>") { return ChatTemplate(.llama3) }
        if jinja.contains("<<SYS>>") { return ChatTemplate(.llama2) }
        if jinja.contains("[INST]") { return ChatTemplate(.mistral) }
        return nil
    }

    /// The text between a literal `<|im_start|>system\n` and the next `<|im_end|>`, when it is plain text.
    static func literalSystemPrompt(in jinja: String) -> String? {
        var rest = Substring(jinja)
        while let open = rest.range(of: "<|im_start|>system\n") {
            let after = rest[open.upperBound...]
            guard let close = after.range(of: "<|im_end|>") else { return nil }
            let text = after[..<close.lowerBound]
            if !text.isEmpty, !text.contains("{"), !text.contains("'"), !text.contains("\"") { return String(text) }
            rest = after[close.upperBound...]
        }
        return nil
    }
}
