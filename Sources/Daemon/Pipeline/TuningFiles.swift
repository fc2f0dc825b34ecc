import Engine
import Foundation
import Systems

/// Where a workspace's embedding tuning keeps its state: `<state>/workspaces/<name>/tuning/` with the optimizer
/// state (`optimizer.state`, Engine's `TuningStateFile`: rows, Adam moments, step and token counts, checksummed),
/// the progress record (`progress.json`, what `transtok status` shows and what a restart resumes from) and the fixed
/// held-out slice (`heldout.txt`). Deleting the workspace removes the directory with the rest of its files.
struct TuningFiles: Sendable {
    let directory: String

    init(stateDirectory: String, workspace: String) {
        directory = stateDirectory + "/workspaces/\(workspace)/tuning"
    }

    var state: String { directory + "/optimizer.state" }
    var progress: String { directory + "/progress.json" }
    var heldOut: String { directory + "/heldout.txt" }

    func createDirectory() throws {
        do { try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true) } catch {
            throw CheckpointError("cannot create the tuning directory \(directory): \(error.localizedDescription)")
        }
    }
}

/// `progress.json`: the latest tuning run of a workspace and the totals of its optimizer state.
struct TuningProgressRecord: Codable, Equatable, Sendable {
    /// The checkpoint whose rows the latest run started from (the run's tuned rows go into the next checkpoint).
    var checkpoint: Int
    /// CPU seconds allowed and spent in this run (a run resumed after a restart continues the same budget).
    var budgetSeconds: Double
    var spentSeconds: Double
    /// Steps and scored tokens of this run, and of the optimizer state in total (over every run).
    var runSteps: Int
    var runTokens: Int
    var totalSteps: Int
    var totalTokens: Int
    /// The checkpoint the rows in the optimizer state file derive from; nil until the file is first written. Set
    /// only after the file is durably written, so a restart never takes older rows for newer ones.
    var stateCheckpoint: Int?
    /// Held-out bits/byte of the latest scoring (at the start of a run: the published rows; after a spent budget:
    /// the tuned rows), and of the rows of `checkpoint` when the run started.
    var heldOutBitsPerByte: Double?
    var heldOutAtCheckpoint: Double?
    var heldOutLines: Int
    /// The run is over (budget spent, yielded to a newer refresh, or failed); false while running and after a
    /// shutdown in the middle of a run, which a restart resumes.
    var finished: Bool
    var message: String
    var updatedAt: Double

    /// The record at `path`, or nil when there is none or it cannot be decoded (a status read never fails on it).
    static func read(_ path: String) -> TuningProgressRecord? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        return try? JSONDecoder().decode(Self.self, from: data)
    }

    func write(to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        do { try DurableFile.write(try encoder.encode(self), to: path) } catch {
            throw CheckpointError("cannot write the tuning progress \(path): \(error)")
        }
    }
}

/// The small, fixed, deterministic held-out slice of a workspace's target text. Chosen once, at the first tuning
/// run, from lines whose FNV-1a hash is 0 modulo `modulus` (at most `maxLines` of them, by hash; the text's last
/// lines when none qualifies), and saved in `heldout.txt`: the figure in `transtok status` stays comparable across
/// cycles while the corpus grows. Its lines never train.
enum TuningHeldOut {
    static let modulus: UInt64 = 16
    static let maxLines = 32

    static func hash(_ line: String) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in line.utf8 {
            h ^= UInt64(byte)
            h = h &* 0x100_0000_01b3
        }
        return h
    }

    /// The held-out lines: those saved in `file`, else chosen from `lines` and saved.
    static func lines(from lines: [String], file: String) throws -> [String] {
        if let data = FileManager.default.contents(atPath: file) {
            let saved = String(decoding: data, as: UTF8.self).split(separator: "\n").map(String.init)
            if !saved.isEmpty { return saved }
        }
        var seen = Set<String>()
        var chosen =
            lines
            .filter { !$0.isEmpty && hash($0) % modulus == 0 && seen.insert($0).inserted }
            .sorted { (hash($0), $0) < (hash($1), $1) }
        if chosen.count > maxLines { chosen = Array(chosen.prefix(maxLines)) }
        if chosen.isEmpty {
            chosen = TuningText.splitTail(lines.filter { !$0.isEmpty }, fraction: 0.02, maxLines: maxLines).heldOut
        }
        guard !chosen.isEmpty else {
            throw TuningError.notEnoughText("\(lines.count) lines of target text leave nothing to hold out")
        }
        do { try DurableFile.write(Data((chosen.joined(separator: "\n") + "\n").utf8), to: file) } catch {
            throw CheckpointError("cannot write the held-out slice \(file): \(error)")
        }
        return chosen
    }
}
