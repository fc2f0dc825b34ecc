import CKernels

extension Throughput {
    /// Whether the fused decode kernels run their AVX2+FMA+F16C versions (chosen at run time from the CPU) rather
    /// than the portable C ones. Shown by `transtok-bench`.
    public static var fusedKernelsVectorized: Bool { tk_kernels_vectorized() != 0 }
}

extension Kernels {
    /// Forces the portable fused kernels (tests compare both versions on a machine that has AVX2).
    static func forcePortableKernels(_ on: Bool) { tk_kernels_force_portable(on ? 1 : 0) }
}
