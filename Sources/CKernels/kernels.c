// Fused dequantising matrix-vector kernels; see include/ckernels.h. Two implementations: AVX2+FMA+F16C (chosen at
// run time when the CPU has them, through target attributes, so the package needs no -march flag) and portable C
// (dequantise the row with the reference formulas, then an 8-lane dot product).
#include "avx_helpers.h"
#include "ckernels.h"
#include "scalar.h"

#include <stdlib.h>
#include <string.h>

// ---------------------------------------------------------------------------------------------------------------
// Portable dequantisation (the reference formulas, in gguf-py's operation order).

void tk_dequantize_row(int kind, const void *row, int64_t cols, float *out) {
    const uint8_t *b = (const uint8_t *)row;
    switch (kind) {
    case TK_BF16:
        for (int64_t i = 0; i < cols; i++) out[i] = bf16_to_f32(load_u16(b + 2 * i));
        return;
    case TK_F16:
        for (int64_t i = 0; i < cols; i++) out[i] = f16_to_f32(load_u16(b + 2 * i));
        return;
    case TK_Q8_0:
        for (int64_t blk = 0; blk < cols / 32; blk++, b += 34, out += 32) {
            float d = f16_to_f32(load_u16(b));
            for (int j = 0; j < 32; j++) out[j] = (float)(int8_t)b[2 + j] * d;
        }
        return;
    case TK_Q4_K:
    case TK_Q5_K:
        for (int64_t blk = 0; blk < cols / 256; blk++) {
            const int five = kind == TK_Q5_K;
            float d = f16_to_f32(load_u16(b)), dmin = f16_to_f32(load_u16(b + 2));
            const uint8_t *scales = b + 4, *qh = b + 16, *qs = b + (five ? 48 : 16);
            for (int j = 0; j < 4; j++, qs += 32, out += 64) {
                uint8_t sc1, m1, sc2, m2;
                scale_min_k4(2 * j, scales, &sc1, &m1);
                scale_min_k4(2 * j + 1, scales, &sc2, &m2);
                float d1 = d * (float)sc1, mm1 = dmin * (float)m1, d2 = d * (float)sc2, mm2 = dmin * (float)m2;
                for (int l = 0; l < 32; l++) {
                    int lo = qs[l] & 0x0F, hi = qs[l] >> 4;
                    if (five) {
                        lo |= ((qh[l] >> (2 * j)) & 1) << 4;
                        hi |= ((qh[l] >> (2 * j + 1)) & 1) << 4;
                    }
                    out[l] = d1 * (float)lo - mm1;
                    out[l + 32] = d2 * (float)hi - mm2;
                }
            }
            b += five ? 176 : 144;
        }
        return;
    case TK_Q6_K:
        for (int64_t blk = 0; blk < cols / 256; blk++, b += 210) {
            float d = f16_to_f32(load_u16(b + 208));
            for (int half = 0; half < 2; half++, out += 128) {
                const uint8_t *ql = b + 64 * half, *qh = b + 128 + 32 * half;
                const int8_t *sc = (const int8_t *)(b + 192 + 8 * half);
                for (int l = 0; l < 32; l++) {
                    int isc = l / 16;
                    int q1 = ((ql[l] & 0x0F) | ((qh[l] & 3) << 4)) - 32;
                    int q2 = ((ql[l + 32] & 0x0F) | (((qh[l] >> 2) & 3) << 4)) - 32;
                    int q3 = ((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32;
                    int q4 = ((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32;
                    out[l] = (d * (float)sc[isc]) * (float)q1;
                    out[l + 32] = (d * (float)sc[isc + 2]) * (float)q2;
                    out[l + 64] = (d * (float)sc[isc + 4]) * (float)q3;
                    out[l + 96] = (d * (float)sc[isc + 6]) * (float)q4;
                }
            }
        }
        return;
    default:
        return;
    }
}

static float dot_f32(const float *a, const float *x, int64_t n) {
    float acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    int64_t i = 0;
    for (; i + 8 <= n; i += 8)
        for (int k = 0; k < 8; k++) acc[k] += a[i + k] * x[i + k];
    float s = ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7]));
    for (; i < n; i++) s += a[i] * x[i];
    return s;
}

static void matvec_portable(int kind, const uint8_t *w, size_t row_bytes, const int64_t *stored_rows, int64_t lo,
                            int64_t hi, const float *x, int64_t cols, float *y, int accumulate) {
    float *row = (float *)malloc(sizeof(float) * (size_t)(cols > 0 ? cols : 1));
    if (!row) abort();
    for (int64_t r = lo; r < hi; r++) {
        int64_t s = stored_rows ? stored_rows[r] : r;
        tk_dequantize_row(kind, w + (size_t)s * row_bytes, cols, row);
        float d = dot_f32(row, x, cols);
        y[r] = accumulate ? y[r] + d : d;
    }
    free(row);
}

// ---------------------------------------------------------------------------------------------------------------
// AVX2 + FMA + F16C.

#if TK_X86
/// Eight unsigned bytes (the low 8 of `v`) as floats.
TK_AVX2 static inline __m256 u8x8(__m128i v) { return _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(v)); }
TK_AVX2 static inline __m256 i8x8(__m128i v) { return _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(v)); }

/// Σ q[i]·x[i] over 32 bytes of `q` (unsigned) as a vector of 8 partial sums.
TK_AVX2 static inline __m256 dot32_u8(__m256i q, const float *x) {
    __m128i a = _mm256_castsi256_si128(q), b = _mm256_extracti128_si256(q, 1);
    __m256 s = _mm256_mul_ps(u8x8(a), _mm256_loadu_ps(x));
    s = _mm256_fmadd_ps(u8x8(_mm_srli_si128(a, 8)), _mm256_loadu_ps(x + 8), s);
    s = _mm256_fmadd_ps(u8x8(b), _mm256_loadu_ps(x + 16), s);
    return _mm256_fmadd_ps(u8x8(_mm_srli_si128(b, 8)), _mm256_loadu_ps(x + 24), s);
}

/// Σ q[i]·x[i] over 16 signed bytes.
TK_AVX2 static inline __m256 dot16_i8(__m128i q, const float *x) {
    __m256 s = _mm256_mul_ps(i8x8(q), _mm256_loadu_ps(x));
    return _mm256_fmadd_ps(i8x8(_mm_srli_si128(q, 8)), _mm256_loadu_ps(x + 8), s);
}

TK_AVX2 static float dot_bf16_avx2(const uint8_t *w, const float *x, int64_t n) {
    __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
    int64_t i = 0;
    for (; i + 32 <= n; i += 32) {
        __m256i r0 = _mm256_loadu_si256((const __m256i *)(w + 2 * i));
        __m256i r1 = _mm256_loadu_si256((const __m256i *)(w + 2 * i + 32));
#define BF(v) _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(v), 16))
        a0 = _mm256_fmadd_ps(BF(_mm256_castsi256_si128(r0)), _mm256_loadu_ps(x + i), a0);
        a1 = _mm256_fmadd_ps(BF(_mm256_extracti128_si256(r0, 1)), _mm256_loadu_ps(x + i + 8), a1);
        a2 = _mm256_fmadd_ps(BF(_mm256_castsi256_si128(r1)), _mm256_loadu_ps(x + i + 16), a2);
        a3 = _mm256_fmadd_ps(BF(_mm256_extracti128_si256(r1, 1)), _mm256_loadu_ps(x + i + 24), a3);
#undef BF
    }
    float s = hsum8(_mm256_add_ps(_mm256_add_ps(a0, a1), _mm256_add_ps(a2, a3)));
    for (; i < n; i++) s += bf16_to_f32(load_u16(w + 2 * i)) * x[i];
    return s;
}

TK_AVX2 static float dot_f16_avx2(const uint8_t *w, const float *x, int64_t n) {
    __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
    int64_t i = 0;
    for (; i + 32 <= n; i += 32) {
        const __m128i *p = (const __m128i *)(w + 2 * i);
        a0 = _mm256_fmadd_ps(_mm256_cvtph_ps(_mm_loadu_si128(p)), _mm256_loadu_ps(x + i), a0);
        a1 = _mm256_fmadd_ps(_mm256_cvtph_ps(_mm_loadu_si128(p + 1)), _mm256_loadu_ps(x + i + 8), a1);
        a2 = _mm256_fmadd_ps(_mm256_cvtph_ps(_mm_loadu_si128(p + 2)), _mm256_loadu_ps(x + i + 16), a2);
        a3 = _mm256_fmadd_ps(_mm256_cvtph_ps(_mm_loadu_si128(p + 3)), _mm256_loadu_ps(x + i + 24), a3);
    }
    float s = hsum8(_mm256_add_ps(_mm256_add_ps(a0, a1), _mm256_add_ps(a2, a3)));
    for (; i < n; i++) s += f16_to_f32(load_u16(w + 2 * i)) * x[i];
    return s;
}

/// Q4_K and Q5_K: Σ over sub-blocks of (d·sc)·Σ q·x − (dmin·m)·Σ x, with Σ x per 32 columns precomputed (`xsum`).
TK_AVX2 static float dot_q45k_avx2(const uint8_t *b, const float *x, const float *xsum, int64_t n, int five) {
    __m256 acc = _mm256_setzero_ps();
    float mins = 0;
    for (int64_t blk = 0; blk < n / 256; blk++) {
        const float *xb = x + 256 * blk;
        const float *sb = xsum + 8 * blk;
        float d = f16c(b), dmin = f16c(b + 2);
        const uint8_t *scales = b + 4, *qs = b + (five ? 48 : 16);
        __m256i qh = five ? load256(b + 16) : _mm256_setzero_si256();
        for (int j = 0; j < 4; j++) {
            uint8_t sc1, m1, sc2, m2;
            scale_min_k4(2 * j, scales, &sc1, &m1);
            scale_min_k4(2 * j + 1, scales, &sc2, &m2);
            __m256i lo, hi;
            q45k_values(load256(qs + 32 * j), qh, j, five, &lo, &hi);
            acc = _mm256_fmadd_ps(_mm256_set1_ps(d * (float)sc1), dot32_u8(lo, xb + 64 * j), acc);
            acc = _mm256_fmadd_ps(_mm256_set1_ps(d * (float)sc2), dot32_u8(hi, xb + 64 * j + 32), acc);
            mins += (dmin * (float)m1) * sb[2 * j] + (dmin * (float)m2) * sb[2 * j + 1];
        }
        b += five ? 176 : 144;
    }
    return hsum8(acc) - mins;
}

TK_AVX2 static float dot_q6k_avx2(const uint8_t *b, const float *x, int64_t n) {
    const __m256i bias = _mm256_set1_epi8(32);
    __m256 acc = _mm256_setzero_ps();
    for (int64_t blk = 0; blk < n / 256; blk++, b += 210) {
        float d = f16c(b + 208);
        for (int half = 0; half < 2; half++) {
            const int8_t *sc = (const int8_t *)(b + 192 + 8 * half);
            const float *xh = x + 256 * blk + 128 * half;
            __m256i q[4];
            q6k_values(b + 64 * half, b + 128 + 32 * half, q);
            for (int k = 0; k < 4; k++) {
                __m256i s = _mm256_sub_epi8(q[k], bias);
                acc = _mm256_fmadd_ps(_mm256_set1_ps(d * (float)sc[2 * k]),
                                      dot16_i8(_mm256_castsi256_si128(s), xh + 32 * k), acc);
                acc = _mm256_fmadd_ps(_mm256_set1_ps(d * (float)sc[2 * k + 1]),
                                      dot16_i8(_mm256_extracti128_si256(s, 1), xh + 32 * k + 16), acc);
            }
        }
    }
    return hsum8(acc);
}

TK_AVX2 static float dot_q8_0_avx2(const uint8_t *b, const float *x, int64_t n) {
    __m256 acc = _mm256_setzero_ps();
    for (int64_t blk = 0; blk < n / 32; blk++, b += 34) {
        __m256 d = _mm256_set1_ps(f16c(b));
        __m128i q0 = _mm_loadu_si128((const __m128i *)(b + 2)), q1 = _mm_loadu_si128((const __m128i *)(b + 18));
        const float *xb = x + 32 * blk;
        acc = _mm256_fmadd_ps(_mm256_mul_ps(i8x8(q0), d), _mm256_loadu_ps(xb), acc);
        acc = _mm256_fmadd_ps(_mm256_mul_ps(i8x8(_mm_srli_si128(q0, 8)), d), _mm256_loadu_ps(xb + 8), acc);
        acc = _mm256_fmadd_ps(_mm256_mul_ps(i8x8(q1), d), _mm256_loadu_ps(xb + 16), acc);
        acc = _mm256_fmadd_ps(_mm256_mul_ps(i8x8(_mm_srli_si128(q1, 8)), d), _mm256_loadu_ps(xb + 24), acc);
    }
    return hsum8(acc);
}

TK_AVX2 static void matvec_avx2(int kind, const uint8_t *w, size_t row_bytes, const int64_t *stored_rows,
                                 int64_t lo, int64_t hi, const float *x, int64_t cols, float *y, int accumulate) {
    float *xsum = NULL;
    if (kind == TK_Q4_K || kind == TK_Q5_K) {
        xsum = (float *)malloc(sizeof(float) * (size_t)(cols / 32 + 1));
        if (!xsum) abort();
        for (int64_t g = 0; g < cols / 32; g++) {
            __m256 s = _mm256_add_ps(_mm256_add_ps(_mm256_loadu_ps(x + 32 * g), _mm256_loadu_ps(x + 32 * g + 8)),
                                     _mm256_add_ps(_mm256_loadu_ps(x + 32 * g + 16), _mm256_loadu_ps(x + 32 * g + 24)));
            xsum[g] = hsum8(s);
        }
    }
    for (int64_t r = lo; r < hi; r++) {
        const uint8_t *row = w + (size_t)(stored_rows ? stored_rows[r] : r) * row_bytes;
        float d;
        switch (kind) {
        case TK_BF16: d = dot_bf16_avx2(row, x, cols); break;
        case TK_F16: d = dot_f16_avx2(row, x, cols); break;
        case TK_Q4_K: d = dot_q45k_avx2(row, x, xsum, cols, 0); break;
        case TK_Q5_K: d = dot_q45k_avx2(row, x, xsum, cols, 1); break;
        case TK_Q6_K: d = dot_q6k_avx2(row, x, cols); break;
        default: d = dot_q8_0_avx2(row, x, cols); break;
        }
        y[r] = accumulate ? y[r] + d : d;
    }
    free(xsum);
}

TK_AVX2 static float sum_avx2(const float *p, int64_t n) {
    __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
    int64_t i = 0;
    for (; i + 32 <= n; i += 32) {
        a0 = _mm256_add_ps(a0, _mm256_loadu_ps(p + i));
        a1 = _mm256_add_ps(a1, _mm256_loadu_ps(p + i + 8));
        a2 = _mm256_add_ps(a2, _mm256_loadu_ps(p + i + 16));
        a3 = _mm256_add_ps(a3, _mm256_loadu_ps(p + i + 24));
    }
    float s = hsum8(_mm256_add_ps(_mm256_add_ps(a0, a1), _mm256_add_ps(a2, a3)));
    for (; i < n; i++) s += p[i];
    return s;
}

static int cpu_has_avx2(void) {
    static int cached = -1;
    if (cached < 0) {
        __builtin_cpu_init();
        cached = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && __builtin_cpu_supports("f16c");
    }
    return cached;
}
#else
static int cpu_has_avx2(void) { return 0; }
#endif

static int force_portable = 0;

int tk_kernels_vectorized(void) { return !force_portable && cpu_has_avx2(); }

void tk_kernels_force_portable(int on) { force_portable = on; }

float tk_sum_floats(const float *p, int64_t n) {
#if TK_X86
    if (tk_kernels_vectorized()) return sum_avx2(p, n);
#endif
    float acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    int64_t i = 0;
    for (; i + 8 <= n; i += 8)
        for (int k = 0; k < 8; k++) acc[k] += p[i + k];
    float s = ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7]));
    for (; i < n; i++) s += p[i];
    return s;
}

void tk_matvec(int kind, const void *w, size_t row_bytes, const int64_t *stored_rows, int64_t lo, int64_t hi,
               const float *x, int64_t cols, float *y, int accumulate) {
#if TK_X86
    if (tk_kernels_vectorized()) {
        matvec_avx2(kind, (const uint8_t *)w, row_bytes, stored_rows, lo, hi, x, cols, y, accumulate);
        return;
    }
#endif
    matvec_portable(kind, (const uint8_t *)w, row_bytes, stored_rows, lo, hi, x, cols, y, accumulate);
}
