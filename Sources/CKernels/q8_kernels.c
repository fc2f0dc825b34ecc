// Integer decode kernels: the activation vector is quantised once per matrix-vector product to 8-bit blocks, then
// each weight row is multiplied with integer dot products (AVX2: `maddubs` u8 × i8 → i16, `madd` with the
// sub-block scales → i32) and one float multiply-add per block. See include/ckernels.h (`tk_matvec_q8`) and
// Sources/Engine/Runtime/README.md for where the runtime uses them. The portable version computes the same integer
// sums in scalar C; only the float combination of the per-block sums differs between the two.
#include "avx_helpers.h"
#include "ckernels.h"
#include "scalar.h"

#include <math.h>

/// 256 activations (Q4_K, Q5_K, Q6_K weights): x ≈ d·q, q in [−127, 127]; bsums[i] = Σ q over elements 16i…16i+15
/// (the min and the −32 offset terms of the weights multiply these).
typedef struct {
    float d;
    int16_t bsums[16];
    int8_t q[256];
} q8k_block;

static int has_integer_kernel(int kind) { return kind == TK_Q4_K || kind == TK_Q5_K || kind == TK_Q6_K; }

size_t tk_q8_activation_bytes(int kind, int64_t cols) {
    if (!has_integer_kernel(kind) || cols <= 0 || cols % 256 != 0) return 0;
    return (size_t)(cols / 256) * sizeof(q8k_block);
}

/// Round-to-nearest-even quantisation of n values with scale d = max|x|/127; q in [−127, 127].
static void quantize_values(const float *x, int n, int8_t *q, float *d) {
    float amax = 0;
    int finite = 1;
    for (int i = 0; i < n; i++) {
        finite &= isfinite(x[i]) != 0;
        amax = fmaxf(amax, fabsf(x[i]));
    }
    if (!finite || amax == 0) { // a zero block; or NaN/∞, which then reaches the product as NaN (as in F32)
        memset(q, 0, (size_t)n);
        *d = finite ? 0 : NAN;
        return;
    }
    for (int i = 0; i < n; i++) { // x/amax, not x·(127/amax): that overflows for a subnormal amax
        long v = lrintf(127.0f * (x[i] / amax));
        q[i] = (int8_t)(v > 127 ? 127 : (v < -127 ? -127 : v));
    }
    *d = amax / 127.0f;
}

void tk_quantize_activations(int kind, const float *x, int64_t cols, void *out) {
    if (!has_integer_kernel(kind)) return;
    q8k_block *b = (q8k_block *)out;
    for (int64_t blk = 0; blk < cols / 256; blk++, b++, x += 256) {
        quantize_values(x, 256, b->q, &b->d);
        for (int i = 0; i < 16; i++) {
            int s = 0;
            for (int l = 0; l < 16; l++) s += b->q[16 * i + l];
            b->bsums[i] = (int16_t)s;
        }
    }
}

void tk_dequantize_activations(int kind, const void *xq, int64_t cols, float *out) {
    if (!has_integer_kernel(kind)) return;
    const q8k_block *b = (const q8k_block *)xq;
    for (int64_t blk = 0; blk < cols / 256; blk++, b++)
        for (int i = 0; i < 256; i++) *out++ = b->d * (float)b->q[i];
}

// ---------------------------------------------------------------------------------------------------------------
// Portable: the same integer sums in scalar C.

/// Q4_K / Q5_K row · Q8_K activations: Σ_blocks (d·dy)·Σ_j sc_j·Σ q·qy − (dmin·dy)·Σ_j m_j·Σ qy.
static float dot_q45k_q8k(const uint8_t *b, const q8k_block *y, int64_t nb, int five) {
    float sum = 0;
    for (int64_t blk = 0; blk < nb; blk++, y++) {
        const float d = f16_to_f32(load_u16(b)) * y->d, dmin = f16_to_f32(load_u16(b + 2)) * y->d;
        const uint8_t *scales = b + 4, *qh = b + 16, *qs = b + (five ? 48 : 16);
        int32_t sumi = 0, summ = 0;
        for (int j = 0; j < 4; j++, qs += 32) {
            uint8_t sc1, m1, sc2, m2;
            scale_min_k4(2 * j, scales, &sc1, &m1);
            scale_min_k4(2 * j + 1, scales, &sc2, &m2);
            const int8_t *y1 = y->q + 64 * j, *y2 = y1 + 32;
            int32_t s1 = 0, s2 = 0;
            for (int l = 0; l < 32; l++) {
                int lo = qs[l] & 0x0F, hi = qs[l] >> 4;
                if (five) {
                    lo |= ((qh[l] >> (2 * j)) & 1) << 4;
                    hi |= ((qh[l] >> (2 * j + 1)) & 1) << 4;
                }
                s1 += lo * y1[l];
                s2 += hi * y2[l];
            }
            sumi += sc1 * s1 + sc2 * s2;
            summ += m1 * (y->bsums[4 * j] + y->bsums[4 * j + 1]) + m2 * (y->bsums[4 * j + 2] + y->bsums[4 * j + 3]);
        }
        sum += d * (float)sumi - dmin * (float)summ;
        b += five ? 176 : 144;
    }
    return sum;
}

/// Q6_K row · Q8_K activations: Σ_blocks (d·dy)·Σ_i sc_i·(Σ q·qy − 32·Σ qy) over 16-element groups i.
static float dot_q6k_q8k(const uint8_t *b, const q8k_block *y, int64_t nb) {
    float sum = 0;
    for (int64_t blk = 0; blk < nb; blk++, y++, b += 210) {
        const float d = f16_to_f32(load_u16(b + 208)) * y->d;
        const int8_t *sc = (const int8_t *)(b + 192);
        int32_t g[16] = {0};
        for (int half = 0; half < 2; half++) {
            const uint8_t *ql = b + 64 * half, *qh = b + 128 + 32 * half;
            const int8_t *yq = y->q + 128 * half;
            for (int l = 0; l < 32; l++) {
                int i = 8 * half + l / 16;
                g[i] += ((ql[l] & 0x0F) | ((qh[l] & 3) << 4)) * yq[l];
                g[i + 2] += ((ql[l + 32] & 0x0F) | (((qh[l] >> 2) & 3) << 4)) * yq[l + 32];
                g[i + 4] += ((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4)) * yq[l + 64];
                g[i + 6] += ((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) * yq[l + 96];
            }
        }
        int32_t sumi = 0;
        for (int i = 0; i < 16; i++) sumi += sc[i] * (g[i] - 32 * y->bsums[i]);
        sum += d * (float)sumi;
    }
    return sum;
}

static float dot_q8_portable(int kind, const uint8_t *row, const void *xq, int64_t cols) {
    switch (kind) {
    case TK_Q4_K: return dot_q45k_q8k(row, (const q8k_block *)xq, cols / 256, 0);
    case TK_Q5_K: return dot_q45k_q8k(row, (const q8k_block *)xq, cols / 256, 1);
    default: return dot_q6k_q8k(row, (const q8k_block *)xq, cols / 256);
    }
}

// ---------------------------------------------------------------------------------------------------------------
// AVX2 (+FMA, F16C for the scales).

#if TK_X86
/// The eight 6-bit scales and mins of a Q4_K/Q5_K block (`q` = its 12 packed bytes) as two 8-byte words each,
/// scale_min_k4's formula applied to four bytes at a time: bytes 0–3 are the low 6 bits of q[0..3] (scales) and
/// q[4..7] (mins); bytes 4–7 take their low 4 bits from q[8..11] (low / high nibble) and the top 2 from q[0..3] /
/// q[4..7] bits 6–7.
static inline void scales_mins_k4(const uint8_t *q, uint64_t *sc, uint64_t *m) {
    uint32_t w[3];
    memcpy(w, q, 12);
    const uint32_t low6 = 0x3F3F3F3Fu, low4 = 0x0F0F0F0Fu, low2 = 0x03030303u;
    *sc = (uint64_t)(w[0] & low6) | (uint64_t)((w[2] & low4) | (((w[0] >> 6) & low2) << 4)) << 32;
    *m = (uint64_t)(w[1] & low6) | (uint64_t)(((w[2] >> 4) & low4) | (((w[1] >> 6) & low2) << 4)) << 32;
}

TK_AVX2 static float dot_q45k_q8k_avx2(const uint8_t *b, const q8k_block *y, int64_t nb, int five) {
    __m256 acc = _mm256_setzero_ps();
    __m128 accm = _mm_setzero_ps();
    for (int64_t blk = 0; blk < nb; blk++, y++) {
        const float d = f16c(b) * y->d, dmin = f16c(b + 2) * y->d;
        const uint8_t *qs = b + (five ? 48 : 16);
        uint64_t sc, m;
        scales_mins_k4(b + 4, &sc, &m);
        // Σ_j m_j · Σ qy over sub-block j (two 16-sums each): pairwise int16 sums, madd with the mins.
        const __m256i bs = load256(y->bsums);
        const __m128i pair = _mm_hadd_epi16(_mm256_castsi256_si128(bs), _mm256_extracti128_si256(bs, 1));
        const __m128i pm = _mm_madd_epi16(pair, _mm_cvtepu8_epi16(_mm_cvtsi64_si128((long long)m)));
        accm = _mm_fmadd_ps(_mm_set1_ps(dmin), _mm_cvtepi32_ps(pm), accm);
        // The eight scales as int16 in both 128-bit lanes; sub-block j's is broadcast by a byte shuffle.
        const __m256i sc16 = _mm256_broadcastsi128_si256(_mm_cvtepu8_epi16(_mm_cvtsi64_si128((long long)sc)));

        const __m256i qh = five ? load256(b + 16) : _mm256_setzero_si256();
        __m256i sumi = _mm256_setzero_si256();
        for (int j = 0; j < 4; j++) {
            __m256i lo, hi;
            q45k_values(load256(qs + 32 * j), qh, j, five, &lo, &hi);
            // u8 (≤ 31) × i8 (|·| ≤ 127), pairs summed: |·| ≤ 7874, no int16 saturation.
            __m256i p1 = _mm256_maddubs_epi16(lo, load256(y->q + 64 * j));
            __m256i p2 = _mm256_maddubs_epi16(hi, load256(y->q + 64 * j + 32));
            const short k1 = (short)((4 * j + 1) << 8 | 4 * j), k2 = (short)((4 * j + 3) << 8 | (4 * j + 2));
            p1 = _mm256_madd_epi16(p1, _mm256_shuffle_epi8(sc16, _mm256_set1_epi16(k1)));
            p2 = _mm256_madd_epi16(p2, _mm256_shuffle_epi8(sc16, _mm256_set1_epi16(k2)));
            sumi = _mm256_add_epi32(sumi, _mm256_add_epi32(p1, p2));
        }
        acc = _mm256_fmadd_ps(_mm256_set1_ps(d), _mm256_cvtepi32_ps(sumi), acc);
        b += five ? 176 : 144;
    }
    __m128 m4 = _mm_add_ps(accm, _mm_movehl_ps(accm, accm));
    m4 = _mm_add_ss(m4, _mm_movehdup_ps(m4));
    return hsum8(acc) - _mm_cvtss_f32(m4);
}

TK_AVX2 static float dot_q6k_q8k_avx2(const uint8_t *b, const q8k_block *y, int64_t nb) {
    __m256 acc = _mm256_setzero_ps();
    for (int64_t blk = 0; blk < nb; blk++, y++, b += 210) {
        const float d = f16c(b + 208) * y->d;
        const int8_t *sc = (const int8_t *)(b + 192);
        // 32 · Σ_i sc_i · Σ qy over group i (the −32 offset of the stored 6-bit values).
        const __m256i offset = _mm256_slli_epi32(
            _mm256_madd_epi16(_mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)sc)), load256(y->bsums)), 5);
        __m256i sumi = _mm256_setzero_si256();
        for (int half = 0; half < 2; half++) {
            __m256i q[4];
            q6k_values(b + 64 * half, b + 128 + 32 * half, q);
            const int8_t *s = sc + 8 * half;
            for (int k = 0; k < 4; k++) {
                // u8 (≤ 63) × i8: pairs |·| ≤ 16128, no saturation; the low 8 int16 lanes are group 2k, the high 8
                // group 2k + 1.
                const __m256i p = _mm256_maddubs_epi16(q[k], load256(y->q + 128 * half + 32 * k));
                const __m256i scale = _mm256_set_m128i(_mm_set1_epi16(s[2 * k + 1]), _mm_set1_epi16(s[2 * k]));
                sumi = _mm256_add_epi32(sumi, _mm256_madd_epi16(p, scale));
            }
        }
        acc = _mm256_fmadd_ps(_mm256_set1_ps(d), _mm256_cvtepi32_ps(_mm256_sub_epi32(sumi, offset)), acc);
    }
    return hsum8(acc);
}

TK_AVX2 static void matvec_q8_avx2(int kind, const uint8_t *w, size_t row_bytes, const int64_t *stored_rows,
                                    int64_t lo, int64_t hi, const void *xq, int64_t cols, float *y, int accumulate) {
    for (int64_t r = lo; r < hi; r++) {
        const uint8_t *row = w + (size_t)(stored_rows ? stored_rows[r] : r) * row_bytes;
        float d;
        switch (kind) {
        case TK_Q4_K: d = dot_q45k_q8k_avx2(row, (const q8k_block *)xq, cols / 256, 0); break;
        case TK_Q5_K: d = dot_q45k_q8k_avx2(row, (const q8k_block *)xq, cols / 256, 1); break;
        default: d = dot_q6k_q8k_avx2(row, (const q8k_block *)xq, cols / 256); break;
        }
        y[r] = accumulate ? y[r] + d : d;
    }
}
#endif

void tk_matvec_q8(int kind, const void *w, size_t row_bytes, const int64_t *stored_rows, int64_t lo, int64_t hi,
                  const void *xq, int64_t cols, float *y, int accumulate) {
    if (!has_integer_kernel(kind)) return;
#if TK_X86
    if (tk_kernels_vectorized()) {
        matvec_q8_avx2(kind, (const uint8_t *)w, row_bytes, stored_rows, lo, hi, xq, cols, y, accumulate);
        return;
    }
#endif
    for (int64_t r = lo; r < hi; r++) {
        const uint8_t *row = (const uint8_t *)w + (size_t)(stored_rows ? stored_rows[r] : r) * row_bytes;
        float d = dot_q8_portable(kind, row, xq, cols);
        y[r] = accumulate ? y[r] + d : d;
    }
}
