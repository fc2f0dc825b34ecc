import CCurl

/// `curl_global_init`, called exactly once per process before the first libcurl handle, whichever module needs one
/// first (Sync's S3 transport, ControlAPI's Unix-socket client). Swift runs a global's initializer once and
/// thread-safely. This is the only call of `curl_global_init` in the project.
public enum CurlGlobal {
    private static let initialised: Bool = {
        curl_global_init(Int(CURL_GLOBAL_DEFAULT)) == CURLE_OK
    }()

    /// Initialises libcurl if nobody has yet; false if that failed (then no handle may be used).
    @discardableResult
    public static func ensure() -> Bool { initialised }
}
