import ControlAPI
import Engine
import Entities
import Foundation
import Store

/// The model card (`README.md`) of a daemon checkpoint, written before the manifest so that it is listed and hashed
/// like every other file: the workspace's languages, the source model, the tokenizer and the manifest's figures.
enum CheckpointCard {
    static func make(
        directory: String, spec: WorkspaceSpec?, workspace: String, number: Int, sourceModel: String, pairs: Int,
        statistics: [String: Double]
    ) -> ModelCard {
        let url = URL(fileURLWithPath: directory)
        let config = (try? String(contentsOf: CheckpointLayout.url(CheckpointLayout.config, in: url), encoding: .utf8))
            .flatMap { try? JSONValue.parse($0) }
        let architecture = config?["model_type"]?.string ?? "llama"
        let dtype =
            (config?["torch_dtype"]?.string ?? config?["dtype"]?.string) ?? (spec?.outputDType ?? .auto).rawValue
        let tokenizerJSON =
            (try? String(contentsOf: CheckpointLayout.url(CheckpointLayout.tokenizer, in: url), encoding: .utf8)) ?? ""
        let tokenizer = ModelCard.tokenizerSummary(
            json: tokenizerJSON, vocabularySize: statistics["target_vocabulary"].map { Int($0) } ?? 0)
        let base = BaseModelInfo.read(path: sourceModel)
        let figures = statistics.sorted { $0.key < $1.key }.map { key, value in
            ModelCard.Entry(
                key,
                value.rounded() == value && abs(value) < 1e15 ? String(Int64(value)) : String(format: "%.4g", value))
        }
        return ModelCard(
            title:
                "\(base.displayName)\(spec.map { " → \($0.targetLanguage)" } ?? "") — transtok checkpoint \(CheckpointPublisher.name(for: number))",
            base: base, architecture: architecture, kind: .decoder, sourceLanguage: spec?.sourceLanguage,
            targetLanguage: spec?.targetLanguage,
            tokenizer: tokenizer, corpusPairs: pairs,
            method: [
                ModelCard.Entry(
                    "Initialisation",
                    "transtok: each new row is the weighted mean of the rows of the source tokens it maps to"),
                ModelCard.Entry("Alignment", "incremental, updated by transtokd as parallel text arrives"),
            ],
            figures: figures, hydra: false, dtype: dtype,
            producedBy:
                "transtokd \(TranstokVersion.current) (commit \(TranstokVersion.commit)), workspace `\(workspace)`, "
                + "checkpoint \(CheckpointPublisher.name(for: number))")
    }
}
