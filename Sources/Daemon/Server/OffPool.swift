import Systems

/// The store and file work of a control-API handler (SQLite reads and writes, model headers, credentials files),
/// run off the cooperative pool: a write waiting for SQLite's lock never holds one of the pool's few threads, so
/// other requests (`health`, `status`) keep answering, and the request time limit answers on time (the work runs to
/// its end on its own thread: one store transaction commits or not, whole).
func offPool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await Blocking.detachable(name: "transtok.request", body)
}
