import Foundation
import Testing

@testable import Daemon

@Suite final class ConfigTests {
    /// The config files a test wrote, removed when it ends (Swift Testing makes one instance per test).
    private var written: [String] = []
    deinit { for path in written { try? FileManager.default.removeItem(atPath: path) } }

    func writeConfig(_ json: String) throws -> String {
        let path = NSTemporaryDirectory() + "transtokd-\(UUID().uuidString).json"
        try json.write(toFile: path, atomically: true, encoding: .utf8)
        written.append(path)
        return path
    }

    @Test func flagsBeatEnvironmentBeatFileBeatDefaults() throws {
        let file = try writeConfig(
            """
            {"socket": "/file/s.sock", "state_dir": "/file/state", "log_level": "debug", "blas_threads": 3,
             "request_timeout_seconds": 7}
            """)
        let environment = [
            "TRANSTOK_SOCKET": "/env/s.sock", "TRANSTOK_STATE_DIR": "/env/state", "HOME": "/home/x",
            "TRANSTOK_BLAS_THREADS": "5",
        ]
        let flags = ConfigLayer(socket: "/flag/s.sock")
        let (config, used) = try ConfigResolver.resolve(flags: flags, environment: environment, configFile: file)
        #expect(used == file)
        #expect(config.socket == "/flag/s.sock") // flag
        #expect(config.stateDir == "/env/state") // environment over file
        #expect(config.blasThreads == 5) // environment over file
        #expect(config.logLevel == "debug") // file over default
        #expect(config.requestTimeoutSeconds == 7) // file
        #expect(config.maxRequestBytes == DaemonConfig.defaults().maxRequestBytes) // default
    }

    @Test func configFileComesFromTheEnvironmentWhenNoFlag() throws {
        let file = try writeConfig(#"{"log_level": "error"}"#)
        let (config, used) = try ConfigResolver.resolve(
            flags: ConfigLayer(), environment: ["TRANSTOK_CONFIG": file, "HOME": "/home/x"], configFile: nil)
        #expect(used == file)
        #expect(config.logLevel == "error")
    }

    @Test func unknownKeysAreErrorsNamingTheKey() throws {
        let file = try writeConfig(#"{"sockett": "/x"}"#)
        #expect(throws: ConfigError.unknownKeys(path: file, keys: ["sockett"])) {
            try ConfigResolver.resolve(flags: ConfigLayer(), environment: [:], configFile: file)
        }
        let nested = try writeConfig(
            #"{"workspaces": [{"name": "a", "source_language": "en", "target_language": "es", "source_model": "/m", "parallel_dirs": [], "colour": 1}]}"#
        )
        #expect(throws: ConfigError.unknownKeys(path: nested, keys: ["workspaces[0].colour"])) {
            try ConfigResolver.resolve(flags: ConfigLayer(), environment: [:], configFile: nested)
        }
    }

    /// A person fixing a config file sees every unknown key at once, not one per attempt.
    @Test func everyUnknownKeyIsNamedInOneError() throws {
        let file = try writeConfig(
            """
            {"sockett": "/x", "log_level": "info", "colour": 1,
             "remotes": [{"name": "r", "url": "s3://b/p", "regoin": "x"}],
             "workspaces": [
               {"name": "a", "source_language": "en", "target_language": "es", "source_model": "/m", "parallel_dirs": []},
               {"name": "b", "source_language": "en", "target_language": "es", "source_model": "/m", "parallel_dirs": [],
                "target_tokeniser": "/t", "aligner_model": "best"}
             ]}
            """)
        let keys = [
            "colour", "sockett", "remotes[0].regoin", "workspaces[1].aligner_model", "workspaces[1].target_tokeniser",
        ]
        #expect(throws: ConfigError.unknownKeys(path: file, keys: keys)) {
            try ConfigResolver.resolve(flags: ConfigLayer(), environment: [:], configFile: file)
        }
        let text = ConfigError.unknownKeys(path: file, keys: keys).description
        #expect(
            text.hasPrefix("config file \(file): unknown keys \"colour\", \"sockett\", \"remotes[0].regoin\""),
            "\(text)")
    }

    @Test func malformedAndInvalidValuesGiveClearErrors() throws {
        let broken = try writeConfig("{ not json")
        #expect {
            try ConfigResolver.resolve(flags: ConfigLayer(), environment: [:], configFile: broken)
        } throws: { error in
            guard case .malformed(let path, _) = error as? ConfigError else { return false }
            return path == broken
        }
        let wrongType = try writeConfig(#"{"blas_threads": "many"}"#)
        #expect {
            try ConfigResolver.resolve(flags: ConfigLayer(), environment: [:], configFile: wrongType)
        } throws: { error in
            guard case .malformed(_, let reason) = error as? ConfigError else { return false }
            return reason.contains("blas_threads")
        }
        #expect(throws: ConfigError.invalid(key: "TRANSTOK_BLAS_THREADS", message: "must be an integer, got x")) {
            try ConfigResolver.resolve(
                flags: ConfigLayer(), environment: ["TRANSTOK_BLAS_THREADS": "x"], configFile: nil)
        }
        #expect {
            try ConfigResolver.resolve(flags: ConfigLayer(socket: "relative.sock"), environment: [:], configFile: nil)
        } throws: { error in
            guard case .invalid(let key, _) = error as? ConfigError else { return false }
            return key == "socket"
        }
        let duplicate = try writeConfig(
            """
            {"workspaces": [
              {"name": "a", "source_language": "en", "target_language": "es", "source_model": "/m", "parallel_dirs": ["/p"]},
              {"name": "a", "source_language": "en", "target_language": "tt", "source_model": "/m", "parallel_dirs": ["/q"]}]}
            """)
        #expect(throws: ConfigError.invalid(key: "workspaces[1].name", message: "duplicate workspace name a")) {
            try ConfigResolver.resolve(flags: ConfigLayer(), environment: [:], configFile: duplicate)
        }
    }

    @Test func defaultsFollowXDGForUsers() {
        let config = DaemonConfig.defaults(environment: [
            "XDG_RUNTIME_DIR": "/run/user/1000", "XDG_STATE_HOME": "/home/u/.state",
        ])
        if getuid() == 0 {
            #expect(config.socket == "/run/transtok/transtokd.sock")
            #expect(config.stateDir == "/var/lib/transtok")
        } else {
            #expect(config.socket == "/run/user/1000/transtok.sock")
            #expect(config.stateDir == "/home/u/.state/transtok")
        }
        let systemd = DaemonConfig.defaults(environment: [
            "STATE_DIRECTORY": "/var/lib/transtok", "RUNTIME_DIRECTORY": "/run/transtok",
        ])
        #expect(systemd.stateDir == "/var/lib/transtok")
        #expect(systemd.socket == "/run/transtok/transtokd.sock")
    }

    @Test func theExampleConfigInEtcIsValid() throws {
        let example = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("etc/transtokd.json").path
        let (config, _) = try ConfigResolver.resolve(flags: ConfigLayer(), environment: [:], configFile: example)
        #expect(!config.workspaces.isEmpty)
    }
}
