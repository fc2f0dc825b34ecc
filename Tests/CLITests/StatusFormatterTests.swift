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

    @Test func tuningProgressIsPrinted() {
        var status = Self.status(dtype: nil)
        #expect(!StatusFormatter.render(status).contains("tuning"), "off and never ran: no line")
        status.workspaces[0].tuneSecondsPerCycle = 60
        status.workspaces[0].tuning = TuningStatus(
            checkpoint: 7, budgetSeconds: 60, spentSeconds: 12, runSteps: 40, totalSteps: 412, totalTokens: 210_944,
            heldOutBitsPerByte: 2.841, heldOutAtCheckpoint: 3.012, heldOutLines: 32, finished: false, message: "")
        let line = StatusFormatter.render(status).split(separator: "\n").first { $0.contains("tuning:") }
        #expect(
            line
                == "  tuning:    60 CPU-s per cycle; 412 steps, 210944 tokens in all; held-out 2.8410 bits/byte (3.0120 at checkpoint 7); run 12/60 CPU-s",
            "\(String(describing: line))")
    }
}
