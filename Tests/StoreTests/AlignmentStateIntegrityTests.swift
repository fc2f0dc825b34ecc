import Entities
import Foundation
import GRDB
import Testing

@testable import Store

/// Issue #14 item 3: state files carry a length and a checksum; unreferenced files are swept at start-up.
@Suite struct AlignmentStateIntegrityTests {
    let directory = NSTemporaryDirectory() + "transtok-state-integrity-\(UUID().uuidString)"

    func stateFiles() -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory + "/alignment-state")) ?? []).sorted()
    }

    @Test func aFlippedByteOrATruncationIsNamedNotDecoded() throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = try Store(directory: directory)
        let id = try store.upsertWorkspace(
            WorkspaceSpec(name: "w", sourceLanguage: "en", targetLanguage: "tt", sourceModel: "/m"))
        let state = (0..<5000).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        try store.saveAlignmentState(
            workspaceID: id, AlignmentStateRecord(generation: 1, appliedSeq: 1, pairCount: 1, state: state))
        let path = directory + "/alignment-state/" + (try #require(stateFiles().first))
        let good = try Data(contentsOf: URL(fileURLWithPath: path))
        #expect(good.count == state.count + AlignmentStateFiles.headerBytes)

        var flipped = good
        flipped[good.count - 10] ^= 0x20
        try flipped.write(to: URL(fileURLWithPath: path))
        #expect { try store.alignmentState(workspaceID: id) } throws: { error in
            (error as? AlignmentStateUnreadable)?.problem.contains("checksum") == true
        }
        try good.prefix(30).write(to: URL(fileURLWithPath: path))
        #expect { try store.alignmentState(workspaceID: id) } throws: { error in
            (error as? AlignmentStateUnreadable)?.problem.contains("header") == true
        }
        var lying = good // the header's length changed to match a truncated payload: the store's size still disagrees
        lying[8] = UInt8(truncatingIfNeeded: state.count - 1)
        lying[9] = UInt8(truncatingIfNeeded: (state.count - 1) >> 8)
        try lying.dropLast().write(to: URL(fileURLWithPath: path))
        #expect(throws: AlignmentStateUnreadable.self) { try store.alignmentState(workspaceID: id) }
        try good.write(to: URL(fileURLWithPath: path))
        #expect(try store.alignmentState(workspaceID: id)?.state == state)

        try store.forgetAlignmentState(workspaceID: id)
        #expect(try store.alignmentAppliedSeq(workspaceID: id) == nil)
    }

    @Test func theStartUpSweepRemovesOnlyFilesNoRowNames() throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = try Store(directory: directory)
        let id = try store.upsertWorkspace(
            WorkspaceSpec(name: "w", sourceLanguage: "en", targetLanguage: "tt", sourceModel: "/m"))
        try store.saveAlignmentState(
            workspaceID: id, AlignmentStateRecord(generation: 1, appliedSeq: 1, pairCount: 1, state: [1]))
        try store.appendAlignmentChanges(workspaceID: id, generation: 2, appliedSeq: 2, pairCount: 1, changes: [2])
        for orphan in ["ws\(id)-g9-dead.bin", ".ws\(id)-g9-dead.bin.tmp-1-2", "ws99-g1-aa.bin"] {
            FileManager.default.createFile(atPath: directory + "/alignment-state/" + orphan, contents: Data([0]))
        }
        #expect(try store.sweepAlignmentStateFiles() == 3)
        #expect(stateFiles().count == 2)
        #expect(try store.alignmentState(workspaceID: id)?.changes == [[2]])
    }
}
