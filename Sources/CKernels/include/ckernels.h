// Fused dequantising matrix-vector kernels for weights kept in their stored format (see
// Sources/Engine/Runtime/README.md). tk_matvec forms every weight exactly as the reference dequantiser does
// (ggml / gguf-py order: scale·q − min for Q4_K/Q5_K, (d·scale)·(q − 32) for Q6_K, the plain conversion for
// BF16/F16) and sums in F32; only the summation order differs from dequantise-then-sgemv. tk_matvec_q8 (decode of
// Q4_K, Q5_K and Q6_K) multiplies the same weights with the activations rounded to 8 bits per block.
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

/// Integer decode kernels (q8_kernels.c): the activation vector quantised to 8 bits once per product, the weights
/// multiplied in integers. Q4_K, Q5_K and Q6_K take blocks of 256 activations (F32 scale d = max|x|/127, int8
/// q = round(x/d), and Σq per 16). Each activation is off by at most d/2, so
/// |result − W·x| ≤ Σ_blocks (d_b/2)·Σ_{i∈b}|w_i| + F32 summation error, against W·x with W dequantised.

/// Bytes of the quantised activations of `cols` values for weights of `kind` (0 when `kind` has no integer kernel
/// or `cols` is not a whole number of its activation blocks).
size_t tk_q8_activation_bytes(int kind, int64_t cols);
/// Quantises x (`cols` values) into `out` (tk_q8_activation_bytes(kind, cols) bytes). A block with NaN or ∞ gets
/// scale NaN, so the products it enters are NaN as in F32.
void tk_quantize_activations(int kind, const float *x, int64_t cols, void *out);
/// The values d·q the quantised activations stand for (tests: the exact reference of `tk_matvec_q8`).
void tk_dequantize_activations(int kind, const void *xq, int64_t cols, float *out);
/// As tk_matvec, with x given quantised by tk_quantize_activations for the same kind: y[r] = (accumulate ? y[r] : 0)
/// + W[stored(r)] · x̂, the integer sums exact and combined per block in F32.
void tk_matvec_q8(int kind, const void *w, size_t row_bytes, const int64_t *stored_rows, int64_t lo, int64_t hi,
                  const void *xq, int64_t cols, float *y, int accumulate);

/// Σ p[i] over n floats, read in one streaming pass (the bandwidth probe of the benchmarks).
float tk_sum_floats(const float *p, int64_t n);

/// 1 when the AVX2+FMA+F16C kernels are in use, 0 for the portable C ones.
int tk_kernels_vectorized(void);
/// Forces the portable kernels (1) or restores automatic selection (0); for tests.
void tk_kernels_force_portable(int on);

#endif
