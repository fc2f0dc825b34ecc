import Foundation

/// Locations of committed fixtures and of fetched assets (`scripts/fetch-assets.sh`).
enum TestPaths {
    /// `Tests/EngineTests/Fixtures`.
    static let fixtures: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Fixtures")

    static let repositoryRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func fixture(_ relative: String) -> String { fixtures.appendingPathComponent(relative).path }

    /// `$TRANSTOK_ASSETS` or `<repo>/.assets`.
    static let assets: URL = {
        if let env = ProcessInfo.processInfo.environment["TRANSTOK_ASSETS"], !env.isEmpty {
            return URL(fileURLWithPath: env)
        }
        return repositoryRoot.appendingPathComponent(".assets")
    }()

    static func asset(_ relative: String) -> String { assets.appendingPathComponent(relative).path }

    /// The shared research data (`../shared/data` beside the checkout), if present.
    static let sharedData: URL = repositoryRoot.deletingLastPathComponent().appendingPathComponent("shared/data")

    /// Whether a test that needs `relative` should run. Outside CI a missing asset skips the test (the
    /// condition's comment tells how to fetch it); under CI (`CI` set) the test always runs, so a missing
    /// asset fails instead of silently skipping.
    static func assetAvailable(_ relative: String) -> Bool {
        if ProcessInfo.processInfo.environment["CI"] != nil { return true }
        return FileManager.default.fileExists(atPath: asset(relative))
    }
}
