import COpenBLAS

/// Process-wide OpenBLAS settings. OpenBLAS starts one worker per core by default; a daemon that also
/// serves requests caps it (see `etc/transtok.conf`, `blas_threads`).
public enum BLAS {
    public static func setThreads(_ count: Int) {
        openblas_set_num_threads(Int32(max(1, count)))
    }

    public static var threads: Int { Int(openblas_get_num_threads()) }

    /// The OpenBLAS build configuration string (kernel, threading), for status and benchmarks.
    public static var configuration: String { String(cString: openblas_get_config()) }
}
