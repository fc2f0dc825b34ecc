import Foundation

/// Runs blocking work (libcurl, file hashing) on a dedicated thread and awaits it, so the cooperative pool never blocks.
public enum Blocking {
    public static func run<T: Sendable>(
        name: String = "transtok.sync", _ body: @escaping @Sendable () throws(SyncError) -> T
    ) async throws(SyncError) -> T {
        let result: Result<T, SyncError> = await withCheckedContinuation { continuation in
            let thread = Thread {
                do throws(SyncError) { continuation.resume(returning: .success(try body())) } catch {
                    continuation.resume(returning: .failure(error))
                }
            }
            thread.name = name
            thread.stackSize = 1 << 20
            thread.start()
        }
        return try result.get()
    }

    /// Runs `count` copies of `body(index)` on their own threads and waits for all of them (blocking).
    public static func parallel(_ count: Int, name: String, _ body: @escaping @Sendable (Int) -> Void) {
        let group = DispatchGroup()
        for i in 0..<count {
            group.enter()
            let t = Thread {
                body(i)
                group.leave()
            }
            t.name = "\(name)-\(i)"
            t.stackSize = 1 << 20
            t.start()
        }
        group.wait()
    }
}
