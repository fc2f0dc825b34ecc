/// The product version, exchanged between client and daemon (`Transtok-Version` header).
public enum TranstokVersion {
    public static let current = "0.1.0"
}
