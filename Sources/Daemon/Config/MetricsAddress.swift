/// `metrics_address`: where the optional Prometheus listener binds. A bare port (`9464` or `:9464`) means
/// loopback (127.0.0.1); anything wider must be written out (`0.0.0.0:9464`, `[::]:9464`).
struct MetricsAddress: Sendable, Equatable {
    var host: String
    var port: Int

    init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    init(parsing text: String) throws(ConfigError) {
        let invalid = ConfigError.invalid(
            key: "metrics_address",
            message: "must be PORT, :PORT, HOST:PORT or [IPv6]:PORT with a port 1…65535, got \(text)")
        var host = "127.0.0.1"
        var portText = Substring(text)
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]"), text[text.index(after: close)...].hasPrefix(":") else {
                throw invalid
            }
            host = String(text[text.index(after: text.startIndex)..<close])
            portText = text[text.index(close, offsetBy: 2)...]
        } else if let colon = text.lastIndex(of: ":") {
            if colon != text.startIndex { host = String(text[..<colon]) }
            portText = text[text.index(after: colon)...]
        }
        guard !host.isEmpty, !host.contains(" "), let port = Int(portText), (1...65535).contains(port) else {
            throw invalid
        }
        self.host = host
        self.port = port
    }
}
