import ControlAPI
import Foundation
import Testing

@testable import CLI

@Suite struct StatusFormatterTests {
    static func status(dtype: String?) -> StatusResponse {
        let counts = CountsStatus(
            filesIngested: 0, filesPending: 0, filesRejected: 0, pairs: 0, pairsRetracted: 0,
            checkpoints: 0, jobsQueued: 0, jobsRunning: 0)
        return StatusResponse(
            version: "test", pid: 1, startedAt: Date(timeIntervalSince1970: 0), uptimeSeconds: 1,
            stateDirectory: "/state", socket: "/s",
            workspaces: [
                WorkspaceStatus(
                    name: "w", sourceLanguage: "en", targetLanguage: "es", sourceModel: "/m",
                    targetTokenizer: nil, watchedDirectories: [], remote: nil, dtype: dtype,
                    counts: counts)
            ],
            jobs: [], counts: counts)
    }

    @Test func workspaceDTypeIsPrinted() {
        #expect(StatusFormatter.render(Self.status(dtype: "bf16")).contains("  dtype:     bf16"))
        // An older daemon that does not report it: no line rather than a guess.
        #expect(!StatusFormatter.render(Self.status(dtype: nil)).contains("dtype"))
    }
}
