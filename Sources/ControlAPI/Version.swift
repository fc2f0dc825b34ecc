import CBuildInfo

/// The product version, exchanged between client and daemon in the `Transtok-Version` header; a mismatch is a
/// warning on the client, never an error (the `/v1/` API is the compatibility boundary).
public enum TranstokVersion {
    public static let current = "0.1.0"
    public static let headerName = "Transtok-Version"
    /// The git commit this binary was built from (`TRANSTOK_COMMIT` at build time, else the checkout's HEAD, with
    /// `-dirty` for uncommitted changes; `unknown` outside git).
    public static let commit = String(cString: transtok_build_commit())
}
