import Foundation
import Testing

@testable import Engine

@Suite("Runtime: chat templates and streamed text")
struct RuntimeChatTemplateTests {
    @Test(
        "ChatML rendering detected from SmolLM2's Jinja template equals transformers' apply_chat_template",
        .enabled(if: TestPaths.assetAvailable(SmolLM2Asset.path), "SmolLM2 GGUF absent: run scripts/fetch-assets.sh"))
    func smolLM2ChatML() throws {
        let jinja = try #require(try SmolLM2Asset.shared.get().chatTemplateSource)
        let template = try #require(ChatTemplate.detect(jinja: jinja))
        #expect(template.format == .chatml)
        #expect(template.defaultSystem == "You are a helpful AI assistant named SmolLM, trained by Hugging Face")
        let reference = try RuntimeFixtures.smolReference()
        #expect(reference.chat_templates.count == 2)
        for chat in reference.chat_templates {
            let messages = try chat.messages.map { m in
                ChatMessage(try #require(ChatMessage.Role(rawValue: m.role)), m.content)
            }
            #expect(template.render(messages) == chat.text)
        }
    }

    @Test("Llama 3, Llama 2 and Mistral formats")
    func otherFormats() {
        let chat = [
            ChatMessage(.system, "S"), ChatMessage(.user, "Hi"), ChatMessage(.assistant, "Yo"),
            ChatMessage(.user, "Bye"),
        ]
        #expect(
            ChatTemplate(.llama3).render(chat)
                == "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nS<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>"
                + "<|start_header_id|>assistant<|end_header_id|>\n\nYo<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nBye<|eot_id|>"
                + "<|start_header_id|>assistant<|end_header_id|>\n\n")
        #expect(
            ChatTemplate(.llama2).render(chat)
                == "<s>[INST] <<SYS>>\nS\n<</SYS>>\n\nHi [/INST] Yo </s><s>[INST] Bye [/INST]")
        #expect(ChatTemplate(.mistral).render(chat) == "<s>[INST] S\n\nHi [/INST]Yo</s>[INST] Bye [/INST]")
        #expect(ChatTemplate.detect(jinja: "{{ '<|start_header_id|>' }}")?.format == .llama3)
        #expect(ChatTemplate.detect(jinja: "{{ '[INST] ' + m + ' [/INST]' }}")?.format == .mistral)
        #expect(ChatTemplate.detect(jinja: "{{ message['content'] }}") == nil)
        #expect(
            ChatTemplate(.chatml).render([ChatMessage(.user, "x")], addGenerationPrompt: false)
                == "<|im_start|>user\nx<|im_end|>\n")
    }

    /// A byte-level codec over a fixed vocabulary, enough to test text streaming.
    struct ByteCodec: TokenCodec {
        let pieces: [[UInt8]]
        func encodeIDs(_ text: String) -> [Int] { text.utf8.map { b in pieces.firstIndex(of: [b]) ?? 0 } }
        func decodeIDs(_ ids: [Int]) -> String { String(decoding: ids.flatMap { pieces[$0] }, as: UTF8.self) }
        func tokenBytes(_ id: Int) -> [UInt8] { pieces[id] }
        func tokenID(forPiece piece: String) -> Int? { pieces.firstIndex(of: Array(piece.utf8)) }
    }

    @Test("streamed text holds back split UTF-8 characters")
    func streamDecoder() {
        let euro = Array("€".utf8) // 3 bytes
        let codec = ByteCodec(pieces: [Array("a".utf8), [euro[0]], [euro[1], euro[2]], Array("é!".utf8)])
        var d = TextStreamDecoder(codec: codec)
        #expect(d.append(0) == "a")
        #expect(d.append(1) == "")
        #expect(d.append(2) == "€")
        #expect(d.append(3) == "é!")
        #expect(d.append(1) == "")
        #expect(d.finish() == "\u{FFFD}")
    }
}
