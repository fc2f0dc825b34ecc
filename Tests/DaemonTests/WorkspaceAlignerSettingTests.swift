import Engine
import Entities
import Foundation
import Logging
import Store
import Testing

@testable import Daemon

/// The per-workspace `aligner` setting: validated by name, stored, and owned by the daemon like the tokenizer (a
/// conflicting config file or create request is refused naming the key; `workspace rebuild` applies it).
@Suite struct WorkspaceAlignerSettingTests {
    static func config(aligner: IncrementalAlignerModel?) -> WorkspaceSpec {
        WorkspaceSpec(
            name: "w", sourceLanguage: "en", targetLanguage: "es", sourceModel: "/m", parallelDirectories: ["/in"],
            aligner: aligner)
    }

    /// The setting is the enum: a config file naming another value is refused with the key and the allowed values
    /// (and so is a store row written by a newer build, when read).
    @Test func alignerIsValidatedByName() throws {
        let root = try makeTemporaryDirectory("alignername")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let file = root + "/c.json"
        try """
        {"workspaces": [{"name": "w", "source_language": "en", "target_language": "es", "source_model": "/m",
          "parallel_dirs": ["/in"], "aligner": "ibm3"}]}
        """.write(toFile: file, atomically: true, encoding: .utf8)
        do {
            _ = try ConfigResolver.resolve(flags: ConfigLayer(), environment: [:], configFile: file)
            Issue.record("aligner ibm3 accepted")
        } catch {
            #expect("\(error)".contains("workspaces[0].aligner") && "\(error)".contains("ibm2, ibm2-hmm"), "\(error)")
        }
        let store = try Store(directory: root)
        try store.upsertWorkspace(Self.config(aligner: nil))
        try store.pool.write { try $0.execute(sql: "UPDATE workspace SET aligner = 'ibm9'") }
        #expect { try store.workspaces() } throws: { "\($0)".contains("aligner ibm9") }
    }

    @Test func aSavedAlignerIsKeptAtRestartAndChangedOnlyByRebuild() throws {
        let root = try makeTemporaryDirectory("alignerstore")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let store = try Store(directory: root)
        try store.upsertWorkspace(Self.config(aligner: nil))
        // Omitted and the default name are the same setting.
        #expect(try store.applyConfiguredWorkspace(Self.config(aligner: .ibm2)).refused.isEmpty)
        // Another model at a restart is refused, naming the key; the saved one stays.
        let result = try store.applyConfiguredWorkspace(Self.config(aligner: .ibm2HMM))
        #expect(result.refused.map(\.key) == ["aligner"])
        #expect(try store.workspaces().first?.spec.aligner == nil)
        // A create request for the same name with another aligner is a conflict naming the key.
        #expect(throws: WorkspaceConflict.self) { try store.createWorkspace(Self.config(aligner: .ibm2HMM)) }
        do { try store.createWorkspace(Self.config(aligner: .ibm2HMM)) } catch let conflict as WorkspaceConflict {
            #expect(conflict.key == "aligner")
        }
        // The explicit rebuild applies it (and forgets the alignment, rebuilt from the corpus).
        let rebuilt = try store.rebuildWorkspace(named: "w", Store.WorkspaceRebuild(aligner: .ibm2HMM))
        #expect(rebuilt.spec.aligner == .ibm2HMM)
        #expect(try store.applyConfiguredWorkspace(Self.config(aligner: .ibm2HMM)).refused.isEmpty)
        #expect(try store.alignmentState(workspaceID: rebuilt.id) == nil)
    }

    /// The cycle's aligner comes from the workspace's setting (the default when none is named).
    @Test func theCycleUsesTheWorkspacesModel() throws {
        let root = try makeTemporaryDirectory("alignerloader")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let store = try Store(directory: root)
        let loader = WorkspaceStateLoader(
            store: store, workspaceID: 1, stateDirectory: root, threads: 1, logger: Logger(label: "test"))
        var spec = Self.config(aligner: .ibm2HMM)
        #expect(try loader.persistence(for: spec).model == .ibm2HMM)
        #expect(try loader.persistence(for: spec).makeAligner() is HMMRefinedIncrementalAligner)
        spec.aligner = nil
        #expect(try loader.persistence(for: spec).model == .ibm2)
    }

    /// A real daemon with `aligner: ibm2-hmm` publishes checkpoints and answers lookups from the refined table; a
    /// restart whose config file names another aligner is refused and logged naming the key.
    @Test func aDaemonRunsTheRefinedAlignerAndKeepsItAcrossARestart() throws {
        let helper = WorkspaceLifecycleTests()
        let root = try makeTemporaryDirectory("alignerdaemon")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let folder = root + "/incoming", stateDir = root + "/state", model = root + "/model"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try TinyModel.write(to: model)
        let config = root + "/config.json"
        func writeConfig(aligner: String) throws {
            try """
            {"debounce_seconds": 0.05, "refresh_debounce_seconds": 0.1, "min_new_pairs": 1, "blas_threads": 1,
             "workspaces": [{"name": "ws", "source_language": "en", "target_language": "es",
               "source_model": "\(model)", "parallel_dirs": ["\(folder)"], "aligner": "\(aligner)"}]}
            """.write(toFile: config, atomically: true, encoding: .utf8)
        }
        try writeConfig(aligner: "ibm2-hmm")
        try helper.corpus(300).write(toFile: folder + "/part.tsv", atomically: true, encoding: .utf8)
        let first = try DaemonProcess(label: "aligner1", extraArguments: ["--config", config, "--state-dir", stateDir])
        try first.waitUntilReady()
        try helper.waitFor("the first checkpoint", first) { try helper.status(first).counts.checkpoints >= 1 }
        let lookup = try first.client.send(method: "GET", path: "/v1/lookup?word=God&workspace=ws")
        #expect(lookup.status == 200, "\(String(decoding: lookup.body, as: UTF8.self))")
        #expect(try first.terminate() == 0)

        try writeConfig(aligner: "ibm2")
        let second = try DaemonProcess(
            label: "aligner2", extraArguments: ["--config", config, "--state-dir", stateDir])
        try second.waitUntilReady()
        #expect(
            second.log.contains("config change refused") && second.log.contains("--aligner ibm2"),
            "\(second.log.suffix(2000))")
        let store = try Store(directory: stateDir)
        #expect(try store.workspaces().first?.spec.aligner == .ibm2HMM)
        #expect(try second.terminate() == 0)
    }
}
