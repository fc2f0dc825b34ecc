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

/// A job's state in the store. The `job.state` CHECK constraint lists the same values (a test compares them).
public enum JobState: String, Sendable, Codable, CaseIterable {
    case queued
    case running
    case done
    case failed
    /// Left running by a process that died; marked at the next start.
    case interrupted
}
