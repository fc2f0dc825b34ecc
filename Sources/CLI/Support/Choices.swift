import ArgumentParser
import ControlAPI
import Engine

extension FileStateFilter: ExpressibleByArgument {}

/// Choices are enums: `--help` lists their values and a bad value names the allowed ones.
extension TokenizerTrainingOptions.Kind: ExpressibleByArgument {}
