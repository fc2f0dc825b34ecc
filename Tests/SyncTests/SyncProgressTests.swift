import Foundation
import Testing

@testable import Sync

@Suite struct SyncProgressTests {
    @Test func bytesOnTheWireCountOnceAcrossRetries() {
        let p = SyncProgress()
        p.setTotal(1000)
        let a = p.beginTransfer(), b = p.beginTransfer()
        p.transferSent(a, 300)
        p.transferSent(b, 100)
        #expect(p.snapshot().uploadedBytes == 400)
        // Attempt 1 of `a` fails after 300 bytes; attempt 2 starts again from zero.
        p.transferSent(a, 0)
        #expect(p.snapshot().uploadedBytes == 100)
        p.transferSent(a, 600)
        p.endTransfer(a, uploaded: 600)
        p.endTransfer(b, uploaded: nil) // cancelled: its bytes stop counting
        p.addSkipped(400)
        let s = p.snapshot()
        #expect(s.uploadedBytes == 600)
        #expect(s.skippedBytes == 400)
        #expect(s.etaSeconds == nil || s.etaSeconds == 0)
        p.transferSent(a, 50) // a finished transfer reports nothing more
        #expect(p.snapshot().uploadedBytes == 600)
    }
}
