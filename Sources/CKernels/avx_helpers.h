// AVX2 helpers shared by the kernel files (not part of the public header). Each carries the AVX2+FMA+F16C target
// attribute (`TK_AVX2`), so the package builds without -march flags and they run only inside the TK_AVX2 functions
// the files choose at run time (`tk_kernels_vectorized`); a portable build (not x86) sees only `TK_X86 0`.
#ifndef TRANSTOK_CKERNELS_AVX_HELPERS_H
#define TRANSTOK_CKERNELS_AVX_HELPERS_H

#include "scalar.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define TK_X86 1
#define TK_AVX2 __attribute__((target("avx2,fma,f16c")))

/// The sum of the eight lanes.
TK_AVX2 static inline float hsum8(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

/// The little-endian F16 at `p` (a block scale) as a float.
TK_AVX2 static inline float f16c(const uint8_t *p) { return _cvtsh_ss(load_u16(p)); }

TK_AVX2 static inline __m256i load256(const void *p) { return _mm256_loadu_si256((const __m256i *)p); }

/// The 4- or 5-bit values of sub-blocks 2j (`lo`) and 2j + 1 (`hi`) of a Q4_K/Q5_K block from its 32 packed bytes
/// `q` (low and high nibbles) and, when `five`, its 32 high-bit bytes `qh` (bits 2j and 2j + 1).
TK_AVX2 static inline void q45k_values(__m256i q, __m256i qh, int j, int five, __m256i *lo, __m256i *hi) {
    const __m256i low = _mm256_set1_epi8(0x0F), one = _mm256_set1_epi8(1);
    *lo = _mm256_and_si256(q, low);
    *hi = _mm256_and_si256(_mm256_srli_epi16(q, 4), low);
    if (five) {
        const __m256i h1 = _mm256_and_si256(_mm256_srl_epi16(qh, _mm_cvtsi32_si128(2 * j)), one);
        const __m256i h2 = _mm256_and_si256(_mm256_srl_epi16(qh, _mm_cvtsi32_si128(2 * j + 1)), one);
        *lo = _mm256_or_si256(*lo, _mm256_slli_epi16(h1, 4));
        *hi = _mm256_or_si256(*hi, _mm256_slli_epi16(h2, 4));
    }
}

/// The stored 6-bit values (0…63, the −32 offset not applied) of one half of a Q6_K block: q[k] holds elements
/// 32k…32k+31 of the half, from its 64 low-nibble bytes `ql` and 32 high-bit bytes `qh`.
TK_AVX2 static inline void q6k_values(const uint8_t *ql, const uint8_t *qh, __m256i q[4]) {
    const __m256i low = _mm256_set1_epi8(0x0F), three = _mm256_set1_epi8(3);
    const __m256i l0 = load256(ql), l1 = load256(ql + 32), h = load256(qh);
    q[0] = _mm256_or_si256(_mm256_and_si256(l0, low), _mm256_slli_epi16(_mm256_and_si256(h, three), 4));
    q[1] = _mm256_or_si256(_mm256_and_si256(l1, low),
                           _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(h, 2), three), 4));
    q[2] = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(l0, 4), low),
                           _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(h, 4), three), 4));
    q[3] = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(l1, 4), low),
                           _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(h, 6), three), 4));
}
#else
#define TK_X86 0
#endif

#endif
