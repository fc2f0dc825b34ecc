import GRDB

/// A pair becoming active (`add`) or leaving the corpus (`retract`), in commit order.
public struct PairEvent: Sendable, Equatable {
    public var seq: Int64
    public var pairID: Int64
    public var isAddition: Bool
    public var source: String
    public var target: String
}

extension Store {
    /// Events of a workspace after `seq`, oldest first, with the pair text (at most `limit`).
    public func pairEvents(workspaceID: Int64, after seq: Int64, limit: Int = 100_000) throws -> [PairEvent] {
        try pool.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT e.seq, e.pair_id, e.kind, p.source, p.target FROM pair_event e
                    JOIN sentence_pair p ON p.id = e.pair_id
                    WHERE e.workspace_id = ? AND e.seq > ? ORDER BY e.seq LIMIT ?
                    """,
                arguments: [workspaceID, seq, limit]
            ).map { row in
                PairEvent(
                    seq: row["seq"], pairID: row["pair_id"], isAddition: row["kind"] as String == "add",
                    source: row["source"], target: row["target"])
            }
        }
    }

    /// The newest event sequence number of a workspace (0 when none).
    public func latestPairEvent(workspaceID: Int64) throws -> Int64 {
        try pool.read { db in
            try Int64.fetchOne(
                db, sql: "SELECT MAX(seq) FROM pair_event WHERE workspace_id = ?", arguments: [workspaceID]) ?? 0
        }
    }
}
