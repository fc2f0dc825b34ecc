/// Options of fast_align's trainer (names of its flags in brackets).
public struct FastAlignOptions: Sendable, Equatable {
    /// Passes over the data `[-I]`; the last pass only decodes, so `iterations − 1` parameter updates.
    public var iterations: Int = 5
    /// Diagonal prior (IBM 2 reparameterisation) `[-d]`; without it, IBM Model 1 with a uniform prior.
    public var favorDiagonal: Bool = false
    /// Optimise the diagonal tension λ after each update from the second on `[-o]`.
    public var optimizeTension: Bool = false
    /// Variational Bayes M-step with a symmetric Dirichlet prior `[-v]`, concentration `alpha` `[-a]`.
    public var variationalBayes: Bool = false
    public var alpha: Double = 0.01
    /// Initial diagonal tension λ `[-T]`.
    public var diagonalTension: Double = 4.0
    /// Probability of aligning to NULL under the diagonal prior `[-q]` (no effect without `favorDiagonal`).
    public var p0: Double = 0.08
    /// Align right-to-left: the right side conditions `[-r]`. Links are still printed `left-right`.
    public var reverse: Bool = false
    /// Worker threads; results are identical for any value.
    public var threads: Int = 1

    public init() {}

    /// The paper's invocation `fast_align -i corpus -I 7 -p table`: IBM Model 1 with NULL, uniform init.
    public static var paperModel1: FastAlignOptions {
        var o = FastAlignOptions()
        o.iterations = 7
        return o
    }

    /// `fast_align -d -o -v` (the usual settings for alignment quality).
    public static var fastAlign: FastAlignOptions {
        var o = FastAlignOptions()
        o.favorDiagonal = true
        o.optimizeTension = true
        o.variationalBayes = true
        return o
    }
}
