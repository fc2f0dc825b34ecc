import ArgumentParser
import ControlAPI
import Engine
import Entities

extension CorpusFileState: ExpressibleByArgument {}
extension PartIntegrity: ExpressibleByArgument {}

extension AddressingStyle: ExpressibleByArgument {
    /// `path`, `virtual`, or AWS's name `virtual-hosted`, as the daemon's config file accepts them.
    public init?(argument: String) { self.init(parsing: argument) }
}

/// Choices are enums: `--help` lists their values and a bad value names the allowed ones.
extension TokenizerTrainingOptions.Kind: ExpressibleByArgument {}
extension EmbeddingInit: ExpressibleByArgument {}
extension DecodeActivations: ExpressibleByArgument {}
extension HydraPromptStyle: ExpressibleByArgument {}
extension HydraDecoding: ExpressibleByArgument {}
