import ControlAPI
import Engine
import Entities
import Foundation
import Testing

/// Issue #14 items 1–3 and #17 item 1, on a real `transtokd` with the tiny model: a restart with the same config
/// keeps the trained, frozen tokenizer and answers `translate` at once; a create on an existing name with another
/// model is a 409 naming `source_model`; a create with a missing or non-model `--model` or a missing `--watch`
/// folder saves nothing; `delete` removes the workspace and the daemon's files, never the watched folder; a corrupt
/// alignment state file is rebuilt from the corpus.
@Suite(.serialized)
struct WorkspaceLifecycleTests {
    func waitFor(_ what: String, _ daemon: DaemonProcess, timeout: Double = 120, _ condition: () throws -> Bool) throws
    {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if try condition() { return }
            usleep(100_000)
        }
        throw DaemonTestError("timed out waiting for \(what):\n\(daemon.log.suffix(3000))")
    }

    func status(_ daemon: DaemonProcess) throws -> StatusResponse {
        try daemon.client.call("GET", "/v1/status", as: StatusResponse.self).0
    }

    func post(_ daemon: DaemonProcess, _ path: String, _ body: some Encodable) throws -> (status: Int, text: String) {
        let reply = try daemon.client.send(method: "POST", path: path, body: Array(try JSONEncoder().encode(body)))
        return (reply.status, String(decoding: reply.body, as: UTF8.self))
    }

    func corpus(_ count: Int) throws -> String {
        try RefreshCrashLoopTests.bibleCorpus(count: count).map { "\($0.source)\t\($0.target)" }.joined(separator: "\n")
            + "\n"
    }

    @Test func aRestartKeepsTheTrainedTokenizerAndTranslatesWithoutNewData() throws {
        let root = try makeTemporaryDirectory("restart")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let folder = root + "/incoming", stateDir = root + "/state", model = root + "/model"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try TinyModel.write(to: model)
        let config = root + "/config.json"
        // No target tokenizer: the daemon trains one from the corpus and freezes it.
        try """
        {"debounce_seconds": 0.05, "refresh_debounce_seconds": 0.1, "min_new_pairs": 1, "blas_threads": 1,
         "workspaces": [{"name": "ws", "source_language": "en", "target_language": "es",
           "source_model": "\(model)", "parallel_dirs": ["\(folder)"]}]}
        """.write(toFile: config, atomically: true, encoding: .utf8)
        try corpus(300).write(toFile: folder + "/part.tsv", atomically: true, encoding: .utf8)

        let first = try DaemonProcess(label: "restart1", extraArguments: ["--config", config, "--state-dir", stateDir])
        try first.waitUntilReady()
        try waitFor("the first checkpoint", first) { try status(first).counts.checkpoints >= 1 }
        let tokenizer = try #require(try status(first).workspaces.first?.targetTokenizer)
        #expect(tokenizer.hasSuffix("tokenizer-v1/tokenizer.json"))
        let tokenizerBytes = try Data(contentsOf: URL(fileURLWithPath: tokenizer))
        #expect(try first.terminate() == 0)

        let second = try DaemonProcess(
            label: "restart2", extraArguments: ["--config", config, "--state-dir", stateDir])
        try second.waitUntilReady()
        #expect(
            try status(second).workspaces.first?.targetTokenizer == tokenizer, "the config file reset the tokenizer")
        // translate answers from the restored rows, without any new data.
        let translation = try post(
            second, "/v1/stream/translate",
            TranslateRequest(workspace: "ws", text: "In the beginning", beams: 1, maxTokens: 4))
        #expect(translation.status == 200, "\(translation.text)\n\(second.log.suffix(2000))")
        // The Hydra directory it translated with carries the aligner's word translations, rebuilt after the restart.
        let hydraRoot = stateDir + "/hydra/ws"
        let hydraDirectory = try #require(try FileManager.default.contentsOfDirectory(atPath: hydraRoot).first)
        let lexicon = try ModelLoader.load(path: hydraRoot + "/" + hydraDirectory).hydraLexicon
        #expect(lexicon.map { !$0.isEmpty } == true)
        usleep(1_500_000) // a retrain would start at once (every pair pending again): give it time to show
        #expect(!FileManager.default.fileExists(atPath: stateDir + "/workspaces/ws/tokenizer-v2"))
        #expect(!second.log.contains("training the target tokenizer"), "\(second.log.suffix(2000))")
        #expect(try status(second).counts.checkpoints == 1, "no new cycle without new data")
        #expect(try Data(contentsOf: URL(fileURLWithPath: tokenizer)) == tokenizerBytes)
        #expect(try second.terminate() == 0)

        // A corrupt alignment state file: logged and rebuilt from the corpus; lookups answer, nothing stalls.
        let stateFiles = try FileManager.default.contentsOfDirectory(atPath: stateDir + "/alignment-state").filter {
            !$0.hasPrefix(".")
        }
        #expect(!stateFiles.isEmpty)
        for name in stateFiles {
            let path = stateDir + "/alignment-state/" + name
            var bytes = try Data(contentsOf: URL(fileURLWithPath: path))
            bytes[bytes.count / 2] ^= 0xFF
            try bytes.write(to: URL(fileURLWithPath: path))
        }
        let third = try DaemonProcess(label: "restart3", extraArguments: ["--config", config, "--state-dir", stateDir])
        try third.waitUntilReady()
        try waitFor("the rebuilt alignment's checkpoint", third) { try status(third).counts.checkpoints >= 2 }
        #expect(third.log.contains("checksum mismatch"), "\(third.log.suffix(2000))")
        let lookup = try third.client.send(method: "GET", path: "/v1/lookup?word=God&workspace=ws")
        #expect(lookup.status == 200, "\(String(decoding: lookup.body, as: UTF8.self))")
        #expect(try status(third).workspaces.first?.targetTokenizer == tokenizer)
        #expect(try third.terminate() == 0)
    }

    @Test func createChecksFilesSavesNothingOnErrorAndDeleteKeepsTheWatchedFolder() throws {
        let root = try makeTemporaryDirectory("create")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let model = root + "/model", otherModel = root + "/model-b", folder = root + "/incoming"
        try TinyModel.write(to: model)
        try TinyModel.write(to: otherModel, seed: 8)
        try "2026-12-04 starting\n".write(toFile: root + "/daemon.log.txt", atomically: true, encoding: .utf8)
        let daemon = try DaemonProcess(label: "create")
        try daemon.waitUntilReady()
        func request(model: String, watch: [String] = [folder], create: Bool? = nil) -> WorkspaceRequest {
            WorkspaceRequest(
                WorkspaceSpec(
                    name: "en-es", sourceLanguage: "en", targetLanguage: "es", sourceModel: model,
                    parallelDirectories: watch), createDirectories: create)
        }
        func workspaces() throws -> [WorkspaceStatus] {
            try daemon.client.call("GET", "/v1/workspaces", as: [WorkspaceStatus].self).0
        }

        for (bad, expected) in [
            (root + "/nonexistent.gguf", "No such file"), (root + "/daemon.log.txt", "not a usable model"),
        ] {
            let reply = try post(daemon, "/v1/workspaces", request(model: bad, create: true))
            #expect(
                reply.status == 400 && reply.text.contains("source_model") && reply.text.contains(expected), "\(reply)")
        }
        let missing = try post(daemon, "/v1/workspaces", request(model: model))
        #expect(
            missing.status == 400 && missing.text.contains("parallel_dirs") && missing.text.contains("--create-dirs"),
            "\(missing)")
        #expect(!FileManager.default.fileExists(atPath: folder), "the daemon created a folder it was not asked to")
        #expect(try workspaces().isEmpty, "nothing is saved after a refused create")

        let created = try post(daemon, "/v1/workspaces", request(model: model, create: true))
        #expect(created.status == 200, "\(created)")
        #expect(FileManager.default.fileExists(atPath: folder))
        #expect(
            try post(daemon, "/v1/workspaces", request(model: model)).status == 200, "an identical create is a no-op")
        let conflict = try post(daemon, "/v1/workspaces", request(model: otherModel))
        #expect(conflict.status == 409 && conflict.text.contains("source_model"), "\(conflict)")
        #expect(try workspaces().first?.sourceModel == model)

        // The explicit way: rebuild checks the new model, then applies it.
        let badRebuild = try post(
            daemon, "/v1/workspaces/en-es/rebuild", WorkspaceRebuildRequest(sourceModel: root + "/daemon.log.txt"))
        #expect(badRebuild.status == 400, "\(badRebuild)")
        let rebuild = try runCommand(
            Binaries.cli, ["workspace", "rebuild", "en-es", "--model", otherModel, "--socket", daemon.socket])
        #expect(rebuild.status == 0, "\(rebuild.stderr)")
        #expect(try workspaces().first?.sourceModel == otherModel)
        #expect(daemon.log.contains("workspace rebuild requested"))

        try corpus(20).write(toFile: folder + "/a.tsv", atomically: true, encoding: .utf8)
        let delete = try runCommand(Binaries.cli, ["workspace", "delete", "en-es", "--socket", daemon.socket])
        #expect(delete.status == 0, "\(delete.stderr)")
        #expect(try workspaces().isEmpty)
        #expect(FileManager.default.fileExists(atPath: folder + "/a.tsv"), "the user's files are never removed")
        #expect(!FileManager.default.fileExists(atPath: daemon.stateDir + "/checkpoints/en-es"))
        let again = try runCommand(Binaries.cli, ["workspace", "delete", "en-es", "--socket", daemon.socket])
        #expect(again.status != 0)
        #expect(try daemon.terminate() == 0)
    }
}
