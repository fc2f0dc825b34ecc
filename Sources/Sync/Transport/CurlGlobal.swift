import CCurl

/// `curl_global_init` exactly once, before the first handle (Swift runs a global's initializer once, thread-safely).
enum CurlGlobal {
    private static let initialised: Bool = {
        curl_global_init(Int(CURL_GLOBAL_DEFAULT)) == CURLE_OK
    }()

    static func ensure() { _ = initialised }
}
