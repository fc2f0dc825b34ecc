import Foundation
import Testing

@testable import Sync

@Suite struct PublishBackoffTests {
    @Test func growsExponentiallyIsCappedAndJitteredWithinBounds() {
        let b = PublishBackoff(initial: 5, maximum: 900)
        #expect((1...10).map { b.step(afterFailures: $0) } == [5, 10, 20, 40, 80, 160, 320, 640, 900, 900])
        #expect(b.step(afterFailures: 10_000) == 900) // no overflow, still capped
        for failures in 1...12 {
            let step = b.step(afterFailures: failures)
            #expect(b.delay(afterFailures: failures, unit: 0) == step / 2)
            #expect(b.delay(afterFailures: failures, unit: 1) == step)
            let random = b.delay(afterFailures: failures)
            #expect(random >= step / 2 && random <= step)
        }
        // Jitter spreads the waits (a fleet restarted together does not retry in lock-step).
        let draws = Set((0..<50).map { _ in b.delay(afterFailures: 4) })
        #expect(draws.count > 40)
    }
}

/// #16.5: libcurl's global initialisation has exactly one owner (CurlRuntime), used by Sync and ControlAPI.
@Suite struct CurlGlobalOwnerTests {
    @Test func curlGlobalInitIsCalledInExactlyOnePlace() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Sources")
        var callers: [String] = []
        let files = FileManager.default.enumerator(atPath: root.path)?.compactMap { $0 as? String } ?? []
        for file in files where file.hasSuffix(".swift") {
            let text = try String(contentsOfFile: root.path + "/" + file, encoding: .utf8)
            if text.contains("curl_global_init(") { callers.append(file) }
        }
        #expect(callers == ["CurlRuntime/CurlGlobal.swift"])
    }
}
