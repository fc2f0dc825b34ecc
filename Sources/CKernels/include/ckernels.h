// Fused dequantising matrix-vector kernels for weights kept in their stored format (see
// Sources/Engine/Runtime/README.md). Each kernel forms every weight exactly as the reference dequantiser does
// (ggml / gguf-py order: scale·q − min for Q4_K/Q5_K, (d·scale)·(q − 32) for Q6_K, the plain conversion for
// BF16/F16) and sums in F32; only the summation order differs from dequantise-then-sgemv.
#ifndef TRANSTOK_CKERNELS_H
#define TRANSTOK_CKERNELS_H

#include <stddef.h>
#include <stdint.h>

/// Stored formats with a fused kernel.
enum tk_kind { TK_BF16 = 1, TK_F16 = 2, TK_Q4_K = 3, TK_Q5_K = 4, TK_Q6_K = 5, TK_Q8_0 = 6 };

/// For each logical row r in [lo, hi): y[r] = (accumulate ? y[r] : 0) + W[stored(r)] · x, where W's stored row s
/// starts at w + s·row_bytes and stored(r) = stored_rows ? stored_rows[r] : r. `cols` is a whole number of blocks.
void tk_matvec(int kind, const void *w, size_t row_bytes, const int64_t *stored_rows, int64_t lo, int64_t hi,
               const float *x, int64_t cols, float *y, int accumulate);

/// Dequantises one stored row of `cols` elements into `out` (the same values as the reference dequantiser).
void tk_dequantize_row(int kind, const void *row, int64_t cols, float *out);

/// Σ p[i] over n floats, read in one streaming pass (the bandwidth probe of the benchmarks).
float tk_sum_floats(const float *p, int64_t n);

/// 1 when the AVX2+FMA+F16C kernels are in use, 0 for the portable C ones.
int tk_kernels_vectorized(void);
/// Forces the portable kernels (1) or restores automatic selection (0); for tests.
void tk_kernels_force_portable(int on);

#endif
