// The FMA peak: twelve independent accumulators (enough to cover the FMA
// latency of every core in use today: 4 cycles x 2 ports, plus room), each
// updated by one fused multiply-add per round, kept in registers by an empty
// asm that claims to read and write them. The shape of ../shared/bench/fma_peak.c.
#include "CMachine.h"

#if defined(__x86_64__)
#include <immintrin.h>

// One loop per vector width, written once: TYPE is the vector, SET1, FMADD
// and ADD its intrinsics, and REDUCE(s) sums its lanes into a float.
#define FMA_LOOP(NAME, TARGET, TYPE, SET1, FMADD, ADD, REDUCE)                                          \
    __attribute__((target(TARGET))) static float NAME(long iterations) {                               \
        TYPE x = SET1(1.0000001f), y = SET1(0.9999999f);                                                \
        TYPE a0 = SET1(0), a1 = SET1(1), a2 = SET1(2), a3 = SET1(3), a4 = SET1(4), a5 = SET1(5);        \
        TYPE a6 = SET1(6), a7 = SET1(7), a8 = SET1(8), a9 = SET1(9), a10 = SET1(10), a11 = SET1(11);    \
        for (long k = 0; k < iterations; k++) {                                                         \
            a0 = FMADD(a0, x, y); a1 = FMADD(a1, x, y); a2 = FMADD(a2, x, y); a3 = FMADD(a3, x, y);     \
            a4 = FMADD(a4, x, y); a5 = FMADD(a5, x, y); a6 = FMADD(a6, x, y); a7 = FMADD(a7, x, y);     \
            a8 = FMADD(a8, x, y); a9 = FMADD(a9, x, y); a10 = FMADD(a10, x, y); a11 = FMADD(a11, x, y); \
            __asm__ volatile("" : "+v"(a0), "+v"(a1), "+v"(a2), "+v"(a3), "+v"(a4), "+v"(a5),           \
                                  "+v"(a6), "+v"(a7), "+v"(a8), "+v"(a9), "+v"(a10), "+v"(a11));        \
        }                                                                                               \
        TYPE s = ADD(ADD(ADD(a0, a1), ADD(a2, a3)), ADD(ADD(a4, a5), ADD(a6, a7)));                     \
        s = ADD(s, ADD(ADD(a8, a9), ADD(a10, a11)));                                                    \
        return REDUCE(s);                                                                               \
    }

__attribute__((target("avx2"))) static float sum256(__m256 s) {
    float lanes[8];
    _mm256_storeu_ps(lanes, s);
    return lanes[0] + lanes[1] + lanes[2] + lanes[3] + lanes[4] + lanes[5] + lanes[6] + lanes[7];
}

FMA_LOOP(loop512, "avx512f", __m512, _mm512_set1_ps, _mm512_fmadd_ps, _mm512_add_ps, _mm512_reduce_add_ps)
FMA_LOOP(loop256, "avx2,fma", __m256, _mm256_set1_ps, _mm256_fmadd_ps, _mm256_add_ps, sum256)

float machine_fma_loop(int bits, long iterations) {
    if (bits == 512) return loop512(iterations);
    if (bits == 256) return loop256(iterations);
    return -1;
}

// Eight 256-bit accumulators: enough loads in flight to keep memory busy.
__attribute__((target("avx2"))) static float read256(const float *v, long n) {
    __m256 s[8];
    for (int i = 0; i < 8; i++) s[i] = _mm256_setzero_ps();
    long i = 0;
    for (; i + 64 <= n; i += 64)
        for (int j = 0; j < 8; j++) s[j] = _mm256_add_ps(s[j], _mm256_loadu_ps(v + i + 8 * j));
    float lanes[8], total = 0;
    for (int j = 1; j < 8; j++) s[0] = _mm256_add_ps(s[0], s[j]);
    _mm256_storeu_ps(lanes, s[0]);
    for (int j = 0; j < 8; j++) total += lanes[j];
    for (; i < n; i++) total += v[i];
    return total;
}

float machine_read_sum(const float *values, long count, bool avx2) {
    if (avx2) return read256(values, count);
    float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    long i = 0;
    for (; i + 4 <= count; i += 4) { s0 += values[i]; s1 += values[i + 1]; s2 += values[i + 2]; s3 += values[i + 3]; }
    for (; i < count; i++) s0 += values[i];
    return s0 + s1 + s2 + s3;
}
#else
float machine_fma_loop(int bits, long iterations) { (void)bits; (void)iterations; return -1; }
float machine_read_sum(const float *values, long count, bool avx2) {
    (void)avx2;
    float s = 0;
    for (long i = 0; i < count; i++) s += values[i];
    return s;
}
#endif
