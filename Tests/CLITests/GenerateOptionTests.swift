import Engine
import Testing

@testable import CLI

/// `transtok generate --decode-activations`: the decode arithmetic on k-quant weights (`DecodeActivations`), the
/// integer kernels by default, the exact F32 path on request.
@Suite struct GenerateOptionTests {
    func options(_ arguments: [String]) throws -> GenerationOptions? {
        try
            (Transtok.parseAsRoot(["generate", "--model", "m.gguf", "--prompt", "hi"] + arguments) as? GenerateCommand)?
            .generationOptions
    }

    @Test func decodeActivationsReachTheGenerator() throws {
        #expect(try options([])?.activations == .quantized8)
        #expect(try options(["--decode-activations", "float32"])?.activations == .float32)
        #expect(try options(["--decode-activations", "quantized8"])?.activations == .quantized8)
        // The other flags still arrive alongside.
        let beam = try options(["--decode-activations", "float32", "--beams", "3", "--max-tokens", "7"])
        #expect(beam?.activations == .float32 && beam?.beams == 3 && beam?.maxTokens == 7)
    }

    @Test func hydraPromptDefaultsToRepeatedEcho() throws {
        func style(_ arguments: [String]) throws -> HydraPromptStyle? {
            (try Transtok.parseAsRoot(["generate", "--model", "m", "--prompt", "p", "--hydra"] + arguments)
                as? GenerateCommand)?.hydraPrompt
        }
        #expect(try style([]) == .echoRepeated)
        #expect(try style(["--hydra-prompt", "instruction"]) == .instruction)
        #expect(try style(["--hydra-prompt", "echo"]) == .echo)
        let error = ParsingErrorProbe.error(["generate", "--model", "m", "--prompt", "p", "--hydra-prompt", "copy"])
        #expect(Transtok.fullMessage(for: error).contains("echo"))
    }

    @Test func hydraDecodingDefaultsToSourcePaced() throws {
        func decoding(_ arguments: [String]) throws -> HydraDecoding? {
            (try Transtok.parseAsRoot(["generate", "--model", "m", "--prompt", "p", "--hydra"] + arguments)
                as? GenerateCommand)?.hydraDecoding
        }
        #expect(try decoding([]) == .sourcePaced)
        #expect(try decoding(["--hydra-decoding", "free"]) == .free)
        func lexicon(_ arguments: [String]) throws -> Bool? {
            (try Transtok.parseAsRoot(["generate", "--model", "m", "--prompt", "p", "--hydra"] + arguments)
                as? GenerateCommand)?.hydraLexicon
        }
        #expect(try lexicon([]) == true && lexicon(["--no-hydra-lexicon"]) == false)
        let error = ParsingErrorProbe.error(["generate", "--model", "m", "--prompt", "p", "--hydra-decoding", "paced"])
        #expect(Transtok.fullMessage(for: error).contains("source-paced"))
    }

    @Test func aWrongValueNamesTheAllowedOnes() {
        let error = ParsingErrorProbe.error([
            "generate", "--model", "m", "--prompt", "p", "--decode-activations", "f16",
        ])
        #expect(!(error is CancellationError), "f16 was accepted")
        let text = Transtok.fullMessage(for: error)
        #expect(text.contains("f16") && text.contains("quantized8") && text.contains("float32"), "\(text)")
    }
}
