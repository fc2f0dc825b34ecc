/// A language pair the daemon keeps adapted: source model, target tokenizer, watched folders, remote, output dtype.
///
/// The one definition of a workspace's settings. Its edges are derived from it:
/// - the control API's `WorkspaceRequest` embeds it, with these `CodingKeys` as JSON keys;
/// - the config file (`workspaces[]`) uses their snake_case form, except the older names in `configKeyOverrides`
///   (`parallel_dirs`, `monolingual_dirs`);
/// - the store's `workspace` row (and `watched_directory` rows) are written and read by `Store`, and a test checks
///   that every key has its column.
/// A new per-workspace setting is a field here (with its key and its `decodeIfPresent`), a migration adding its
/// column, the store's row mapping, and a CLI flag on `workspace create`.
public struct WorkspaceSpec: Sendable, Equatable, Codable, EntityKeys {
    public var name: String
    public var sourceLanguage: String
    public var targetLanguage: String
    /// A .gguf file or a Hugging Face model directory.
    public var sourceModel: String
    /// A tokenizer.json; nil: trained from the corpus (then frozen).
    public var targetTokenizer: String?
    public var parallelDirectories: [String]
    public var monolingualDirectories: [String]
    /// The remote checkpoints are published to; nil: none.
    public var remote: String?
    /// Output dtype of the checkpoints (nil = auto).
    public var outputDType: OutputDType?
    /// The incremental aligner (nil = `IncrementalAlignerModel.default`). Daemon-owned like the tokenizer: the
    /// alignment was built with it, so a different one is a conflict until `workspace rebuild` applies it.
    public var aligner: IncrementalAlignerModel?
    /// CPU seconds (process CPU time, all threads) of embedding tuning after each refresh cycle that publishes a
    /// checkpoint; nil or 0 = no tuning. A setting, not derived state: a config file that names another value
    /// applies it at the next start.
    public var tuneSecondsPerCycle: Double?

    public enum CodingKeys: String, CodingKey, CaseIterable {
        case name, sourceLanguage, targetLanguage, sourceModel, targetTokenizer, parallelDirectories
        case monolingualDirectories, remote
        case outputDType = "dtype"
        case aligner
        case tuneSecondsPerCycle
    }
    public typealias Keys = CodingKeys

    public static var configKeyOverrides: [String: String] {
        ["parallelDirectories": "parallel_dirs", "monolingualDirectories": "monolingual_dirs"]
    }

    public init(
        name: String, sourceLanguage: String, targetLanguage: String, sourceModel: String,
        targetTokenizer: String? = nil, parallelDirectories: [String] = [], monolingualDirectories: [String] = [],
        remote: String? = nil, outputDType: OutputDType? = nil, aligner: IncrementalAlignerModel? = nil,
        tuneSecondsPerCycle: Double? = nil
    ) {
        self.aligner = aligner
        self.tuneSecondsPerCycle = tuneSecondsPerCycle
        self.name = name
        self.sourceLanguage = sourceLanguage
        self.targetLanguage = targetLanguage
        self.sourceModel = sourceModel
        self.targetTokenizer = targetTokenizer
        self.parallelDirectories = parallelDirectories
        self.monolingualDirectories = monolingualDirectories
        self.remote = remote
        self.outputDType = outputDType
    }

    /// Name, languages, model and parallel folders are required; every other key may be left out.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decode(String.self, forKey: .name)
        sourceLanguage = try c.decode(String.self, forKey: .sourceLanguage)
        targetLanguage = try c.decode(String.self, forKey: .targetLanguage)
        sourceModel = try c.decode(String.self, forKey: .sourceModel)
        targetTokenizer = try c.decodeIfPresent(String.self, forKey: .targetTokenizer)
        parallelDirectories = try c.decode([String].self, forKey: .parallelDirectories)
        monolingualDirectories = try c.decodeIfPresent([String].self, forKey: .monolingualDirectories) ?? []
        remote = try c.decodeIfPresent(String.self, forKey: .remote)
        outputDType = try c.decodeIfPresent(OutputDType.self, forKey: .outputDType)
        aligner = try c.decodeIfPresent(IncrementalAlignerModel.self, forKey: .aligner)
        tuneSecondsPerCycle = try c.decodeIfPresent(Double.self, forKey: .tuneSecondsPerCycle)
    }

    /// The tuning budget per cycle in CPU seconds (0 when unset).
    public var tuningBudget: Double { tuneSecondsPerCycle ?? 0 }
}

/// A requested workspace setting that contradicts the workspace's saved state (which the daemon owns: the source
/// model and languages the alignment was built from, its frozen target tokenizer, its remote).
public struct WorkspaceConflict: Error, CustomStringConvertible, Equatable, Sendable {
    public var workspace: String
    /// The config-file key (`source_model`, `target_tokenizer`, `parallel_dirs`, …).
    public var key: String
    public var saved: String
    public var requested: String

    public init(workspace: String, key: String, saved: String, requested: String) {
        self.workspace = workspace
        self.key = key
        self.saved = saved
        self.requested = requested
    }

    public var description: String {
        "workspace \(workspace) already exists with \(key) \(saved), not \(requested)"
    }
}

extension WorkspaceSpec {
    /// The settings of `requested` that differ from this saved spec, named by their config-file keys. Keys the
    /// request leaves out (nil target tokenizer, no monolingual folders, nil remote or dtype) are not differences:
    /// the saved values stand.
    public func differences(from requested: WorkspaceSpec) -> [WorkspaceConflict] {
        var found: [WorkspaceConflict] = []
        func check(_ key: CodingKeys, _ saved: String?, _ wanted: String?) {
            guard let wanted, saved != wanted else { return }
            found.append(
                WorkspaceConflict(
                    workspace: name, key: Self.configKey(forWireKey: key.rawValue), saved: saved ?? "(none)",
                    requested: wanted))
        }
        func folders(_ paths: [String]) -> String { paths.sorted().joined(separator: ",") }
        check(.sourceLanguage, sourceLanguage, requested.sourceLanguage)
        check(.targetLanguage, targetLanguage, requested.targetLanguage)
        check(.sourceModel, sourceModel, requested.sourceModel)
        check(.targetTokenizer, targetTokenizer, requested.targetTokenizer)
        if Set(parallelDirectories) != Set(requested.parallelDirectories) {
            check(.parallelDirectories, folders(parallelDirectories), folders(requested.parallelDirectories))
        }
        if !requested.monolingualDirectories.isEmpty,
            Set(monolingualDirectories) != Set(requested.monolingualDirectories)
        {
            check(.monolingualDirectories, folders(monolingualDirectories), folders(requested.monolingualDirectories))
        }
        check(.remote, remote, requested.remote)
        check(.outputDType, outputDType?.rawValue, requested.outputDType?.rawValue)
        check(.aligner, (aligner ?? .default).rawValue, requested.aligner?.rawValue)
        if let wanted = requested.tuneSecondsPerCycle, wanted != tuningBudget {
            check(.tuneSecondsPerCycle, "\(tuningBudget)", "\(wanted)")
        }
        return found
    }

    /// Keys whose change invalidates what was built from them (the alignment, the rows, the tokenizer).
    public static let stateKeys: Set<String> = Set(
        [CodingKeys.sourceLanguage, .targetLanguage, .sourceModel, .targetTokenizer, .aligner].map {
            configKey(forWireKey: $0.rawValue)
        })
}
