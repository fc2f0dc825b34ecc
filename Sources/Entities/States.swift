/// A corpus file's state in the store. The `corpus_file.state` CHECK constraint lists the same values (a test
/// compares them).
public enum CorpusFileState: String, Sendable, Codable, CaseIterable {
    /// Read and its pairs are in the corpus.
    case ingested
    /// Waiting for something (the other half of a Moses pair, a file that is still being written).
    case pending
    /// Unreadable or malformed; the reason and line are kept, and pairs of an earlier good version stay.
    case rejected
    /// Gone from the folder; its pairs are retracted unless another file provides them.
    case retracted
}

/// What a job does. Stored as its raw value in `job.kind`; a row with a kind this version does not know is an error
/// when read (a newer daemon's database), never a silent string.
public enum JobKind: String, Sendable, Codable, CaseIterable {
    /// A refresh cycle: align new pairs, map, refresh rows, write and publish a checkpoint.
    case refresh
    /// Background embedding tuning after a cycle (`tune_seconds_per_cycle`).
    case tune
}

/// A job's state in the store. The `job.state` CHECK constraint lists the same values (a test compares them).
public enum JobState: String, Sendable, Codable, CaseIterable {
    case queued
    case running
    case done
    case failed
    /// Left running by a process that died; marked at the next start.
    case interrupted
}
