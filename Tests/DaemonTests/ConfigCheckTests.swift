import Foundation
import Testing

@testable import Daemon

/// `transtokd config check` (#17): finds what the daemon would refuse without starting it, naming file, line and key;
/// exit 0 for a good configuration, 78 otherwise. Workspaces get the checks `workspace create` runs.
@Suite struct ConfigCheckTests {
    struct Setup {
        var root: String
        var model: String
        var tokenizer: String
        var folder: String
    }

    func setup() throws -> Setup {
        let root = try makeTemporaryDirectory("config-check")
        let model = root + "/model"
        try TinyModel.write(to: model)
        let tokenizer = try TinyModel.writeTokenizer("trained-sentencepiece-bpe", to: root + "/target")
        let folder = root + "/parallel"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        return Setup(root: root, model: model, tokenizer: tokenizer, folder: folder)
    }

    func config(
        _ s: Setup, model: String? = nil, tokenizer: String? = nil, folder: String? = nil,
        remote: String = ""
    ) -> String {
        """
        {
          "socket": "\(s.root)/run/transtokd.sock",
          "state_dir": "\(s.root)/state",
          \(remote)"workspaces": [
            {
              "name": "en-xx",
              "source_language": "en",
              "target_language": "xx",
              "source_model": "\(model ?? s.model)",
              "target_tokenizer": "\(tokenizer ?? s.tokenizer)",
              "parallel_dirs": ["\(folder ?? s.folder)"]
            }
          ]
        }

        """
    }

    func check(_ text: String, in s: Setup) throws -> (ConfigCheck.Result, String) {
        let path = s.root + "/transtokd-\(UUID().uuidString.prefix(6)).json"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return (ConfigCheck.run(flags: ConfigLayer(), environment: [:], configFile: path), path)
    }

    @Test func aGoodConfigurationHasNoFindings() throws {
        let s = try setup()
        defer { try? FileManager.default.removeItem(atPath: s.root) }
        let (result, _) = try check(config(s), in: s)
        #expect(result.findings.isEmpty, "\(result.findings)")
        #expect(result.config?.workspaces.count == 1)
    }

    @Test func aBadModelTokenizerAndFolderAreEachNamedWithFileLineAndKey() throws {
        let s = try setup()
        defer { try? FileManager.default.removeItem(atPath: s.root) }
        let log = s.root + "/daemon.log"
        try "not a model\n".write(toFile: log, atomically: true, encoding: .utf8)
        let (result, path) = try check(config(s, model: log, tokenizer: log, folder: log), in: s)
        let errors = result.errors.map(\.description)
        #expect(errors.count == 3, "\(errors)")
        #expect(errors.contains { $0.hasPrefix("\(path):9: error: workspaces[0].source_model: \(log)") }, "\(errors)")
        #expect(
            errors.contains { $0.hasPrefix("\(path):10: error: workspaces[0].target_tokenizer: \(log)") }, "\(errors)")
        #expect(
            errors.contains { $0 == "\(path):11: error: workspaces[0].parallel_dirs: \(log) is not a directory" },
            "\(errors)")
    }

    @Test func aMissingFolderIsAWarningBecauseTheDaemonCreatesIt() throws {
        let s = try setup()
        defer { try? FileManager.default.removeItem(atPath: s.root) }
        let (result, _) = try check(config(s, folder: s.root + "/later"), in: s)
        #expect(result.errors.isEmpty && result.findings.count == 1, "\(result.findings)")
        #expect(result.findings.first?.severity == .warning && result.findings.first?.line == 11)
        #expect(!FileManager.default.fileExists(atPath: s.root + "/later"), "a check must not create folders")
    }

    @Test func anEncoderIsRefusedByArchitecture() throws {
        // A config.json of an architecture the daemon does not adapt, over the same tensors.
        let s = try setup()
        defer { try? FileManager.default.removeItem(atPath: s.root) }
        let other = s.root + "/falcon"
        try FileManager.default.copyItem(atPath: s.model, toPath: other)
        let configPath = other + "/config.json"
        let text = try String(contentsOfFile: configPath, encoding: .utf8).replacingOccurrences(
            of: "\"llama\"", with: "\"falcon\"")
        try text.write(toFile: configPath, atomically: true, encoding: .utf8)
        let (result, _) = try check(config(s, model: other), in: s)
        #expect(result.errors.count == 1 && result.errors[0].description.contains("falcon"), "\(result.findings)")
    }

    @Test func unknownKeysBadValuesAndRemotesNameTheirLine() throws {
        let s = try setup()
        defer { try? FileManager.default.removeItem(atPath: s.root) }
        let typo = config(s).replacingOccurrences(of: "\"target_tokenizer\"", with: "\"target_tokeniser\"")
        let (unknown, path) = try check(typo, in: s)
        #expect(
            unknown.errors.map(\.description) == [
                "\(path):10: error: workspaces[0].target_tokeniser: unknown key (see `transtokd config default` for the known ones)"
            ])

        // Every unknown key is a finding of its own, each with the file, its line and its key path.
        let typos = config(s, remote: #""remotes": [{"name": "s3", "url": "s3://b/p", "regoin": "x"}],\#n"#)
            .replacingOccurrences(of: "\"target_tokenizer\"", with: "\"target_tokeniser\"")
            .replacingOccurrences(of: "\"state_dir\"", with: "\"state_directory\"")
        let (several, severalPath) = try check(typos, in: s)
        let suffix = ": unknown key (see `transtokd config default` for the known ones)"
        #expect(
            several.errors.map(\.description) == [
                "\(severalPath):3: error: state_directory\(suffix)",
                "\(severalPath):4: error: remotes[0].regoin\(suffix)",
                "\(severalPath):11: error: workspaces[0].target_tokeniser\(suffix)",
            ])

        let remote = """
            "remotes": [
                {"name": "s3", "url": "s3://bucket/p",
                 "credentials_file": "\(s.root)/absent-credentials"}
              ],

            """
        let (missingCredentials, remotePath) = try check(config(s, remote: remote), in: s)
        let errors = missingCredentials.errors.map(\.description)
        #expect(
            errors.count == 1 && errors[0].hasPrefix("\(remotePath):5: error: remotes[0]: ")
                && errors[0].contains("absent-credentials"), "\(errors)")

        let badValue = config(s).replacingOccurrences(of: "\"name\": \"en-xx\"", with: "\"name\": \"en xx\"")
        let (invalid, invalidPath) = try check(badValue, in: s)
        #expect(
            invalid.errors.map(\.description).first?.hasPrefix("\(invalidPath):6: error: workspaces[0].name: must be")
                == true,
            "\(invalid.findings)")
    }

    @Test func theCommandExitsZeroOrSeventyEight() throws {
        let s = try setup()
        defer { try? FileManager.default.removeItem(atPath: s.root) }
        let good = s.root + "/good.json", bad = s.root + "/bad.json"
        try config(s).write(toFile: good, atomically: true, encoding: .utf8)
        try config(s, tokenizer: s.root + "/absent.json").write(toFile: bad, atomically: true, encoding: .utf8)
        let ok = try runCommand(Binaries.daemon, ["config", "check", "--config", good], environment: [:])
        #expect(ok.status == 0 && ok.stdout.contains("OK"), "\(ok)")
        let refused = try runCommand(Binaries.daemon, ["config", "check", "--config", bad], environment: [:])
        #expect(refused.status == 78, "\(refused)")
        #expect(refused.stderr.contains("\(bad):10: error: workspaces[0].target_tokenizer"), "\(refused.stderr)")
        #expect(
            !FileManager.default.fileExists(atPath: s.root + "/state"), "a check must not create the state directory")
    }
}
