// swift-tools-version: 6.1
// transtok: trans-tokenization of language models, kept fresh by a daemon.
import PackageDescription

/// Engine is pure computation (tokenizers, aligner, mapping, tensors, model runtime); Store ingests tens of
/// thousands of rows per file. Both are optimised even in debug builds so tests and the demo run real workloads.
let engineSettings: [SwiftSetting] = [
    .unsafeFlags(["-O"], .when(configuration: .debug))
]

/// The commit `transtok version` and `transtok_build_info` report: `TRANSTOK_COMMIT` if set (packaging), else the
/// checkout's HEAD when the manifest is evaluated.
let buildCommit: String = {
    if let commit = Context.environment["TRANSTOK_COMMIT"], !commit.isEmpty { return commit }
    guard let git = Context.gitInformation else { return "unknown" }
    return String(git.currentCommit.prefix(12)) + (git.hasUncommittedChanges ? "-dirty" : "")
}()

let package = Package(
    name: "transtok",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "transtokd", targets: ["Daemon"]),
        .executable(name: "transtok", targets: ["CLI"]),
        .executable(name: "transtok-bench", targets: ["Bench"]),
        .library(name: "Engine", targets: ["Engine"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1", traits: []),
    ],
    targets: [
        // System libraries (Debian packages named in `providers`).
        .systemLibrary(name: "CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),
        .systemLibrary(name: "COpenBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "COpenSSL", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"])]),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        // glibc's malloc_trim, for the daemon to hand freed memory back after a refresh cycle.
        .systemLibrary(name: "CMalloc"),

        // The closed set of error classes every module's errors declare (containerd's errdefs); no dependencies.
        .target(name: "Errdefs"),
        // SHA-256 / HMAC / MD5 over the system libcrypto (streaming), shared by every module that hashes.
        .target(name: "Hashing", dependencies: ["COpenSSL"]),
        // Operating-system helpers with no dependency (durable file writes, blocking work off the cooperative pool);
        // see Sources/Systems/README.md.
        .target(name: "Systems"),
        // One definition per entity (workspace, remote, corpus file state, job state) and its enums; the wire
        // (ControlAPI), row (Store), config (Daemon) and Sync types are derived from it. No dependencies.
        .target(name: "Entities"),
        .target(
            name: "Engine",
            dependencies: [
                "COpenBLAS", "CKernels", "CZlib", "Hashing", "Systems", "Errdefs", "Entities",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: engineSettings
        ),
        .target(
            name: "Store",
            dependencies: [
                "Hashing", "Systems", "Errdefs", "Entities",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: engineSettings
        ),
        // `curl_global_init` once per process, for every module that uses libcurl (Sync and ControlAPI).
        .target(name: "CurlRuntime", dependencies: ["CCurl"]),
        // S3 client and checkpoint sync. Links no database: its journals are protocols (see SyncStore).
        .target(
            name: "Sync",
            dependencies: [
                "CCurl", "CurlRuntime", "Hashing", "Systems", "Errdefs", "Entities",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Sync's journals in the Store's SQLite database (the daemon, the bench and the tests; never the CLI).
        .target(
            name: "SyncStore",
            dependencies: ["Sync", "Store", .product(name: "GRDB", package: "GRDB.swift")]
        ),
        // A fault-injecting TCP proxy for S3 (resets, error answers, delays, lost answers, bandwidth caps, outages):
        // used in-process by the Sync tests and driven over stdin by `transtok-bench s3-fault-proxy`.
        .target(name: "FaultInjection"),
        // Wire types and the Unix-socket client shared by the CLI and the daemon (the CLI never links the daemon).
        // The endpoint table (`ControlEndpoints`) is the contract both sides are built from.
        .target(name: "ControlAPI", dependencies: ["CCurl", "CurlRuntime", "Errdefs", "CBuildInfo", "Entities"]),
        // The runtime's fused dequantising matrix-vector kernels (C: AVX2/FMA/F16C chosen at run time, portable
        // fallback), optimised in every configuration.
        .target(name: "CKernels", cSettings: [.unsafeFlags(["-O3", "-ffp-contract=off"])]),
        .target(name: "CBuildInfo", cSettings: [.define("TRANSTOK_COMMIT", to: "\"\(buildCommit)\"")]),
        .executableTarget(
            name: "Daemon",
            dependencies: [
                "Engine", "Store", "Sync", "SyncStore", "ControlAPI", "Hashing", "CMalloc", "Systems", "Entities",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Hummingbird", package: "hummingbird"),
            ]
        ),
        .executableTarget(
            name: "CLI",
            dependencies: [
                "Engine", "Sync", "ControlAPI", "Entities", "Systems",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "Bench",
            dependencies: [
                "Engine", "Sync", "SyncStore", "FaultInjection", "ControlAPI", "Entities", "Systems",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: engineSettings
        ),

        .testTarget(name: "SystemsTests", dependencies: ["Systems"]),
        .testTarget(name: "EngineTests", dependencies: ["Engine", "Entities"], exclude: ["Fixtures"]),
        .testTarget(name: "StoreTests", dependencies: ["Store", "Hashing", "Systems", "Entities"]),
        .testTarget(
            name: "SyncTests", dependencies: ["Sync", "SyncStore", "Store", "FaultInjection", "Entities", "Systems"]),
        .testTarget(
            name: "DaemonTests",
            dependencies: [
                "Daemon", "ControlAPI", "Store", "Engine", "Hashing", "Systems", "Entities",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "GRDB", package: "GRDB.swift"),
            ]
        ),
        // Argument parsing of the `transtok` commands (`parseAsRoot`), no daemon needed.
        .testTarget(
            name: "CLITests",
            dependencies: [
                "CLI", "ControlAPI", "Engine", "Entities",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
    ]
)
