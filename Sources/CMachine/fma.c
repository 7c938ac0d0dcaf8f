// The FMA peak: twelve independent accumulators (enough to cover the FMA
// latency of every core in use today: 4 cycles x 2 ports, plus room), each
// updated by one fused multiply-add per round, kept in registers by an empty
// asm that claims to read and write them. The shape of ../shared/bench/fma_peak.c.
#include "CMachine.h"

#if defined(__x86_64__)
#include <immintrin.h>

#define ROUND(FMA) \
    a0 = FMA(a0, x, y); a1 = FMA(a1, x, y); a2 = FMA(a2, x, y); a3 = FMA(a3, x, y); \
    a4 = FMA(a4, x, y); a5 = FMA(a5, x, y); a6 = FMA(a6, x, y); a7 = FMA(a7, x, y); \
    a8 = FMA(a8, x, y); a9 = FMA(a9, x, y); a10 = FMA(a10, x, y); a11 = FMA(a11, x, y); \
    __asm__ volatile("" : "+v"(a0), "+v"(a1), "+v"(a2), "+v"(a3), "+v"(a4), "+v"(a5), \
                          "+v"(a6), "+v"(a7), "+v"(a8), "+v"(a9), "+v"(a10), "+v"(a11))

__attribute__((target("avx512f"))) static float loop512(long iterations) {
    __m512 x = _mm512_set1_ps(1.0000001f), y = _mm512_set1_ps(0.9999999f);
    __m512 a0 = _mm512_set1_ps(0), a1 = _mm512_set1_ps(1), a2 = _mm512_set1_ps(2), a3 = _mm512_set1_ps(3);
    __m512 a4 = _mm512_set1_ps(4), a5 = _mm512_set1_ps(5), a6 = _mm512_set1_ps(6), a7 = _mm512_set1_ps(7);
    __m512 a8 = _mm512_set1_ps(8), a9 = _mm512_set1_ps(9), a10 = _mm512_set1_ps(10), a11 = _mm512_set1_ps(11);
    for (long k = 0; k < iterations; k++) { ROUND(_mm512_fmadd_ps); }
    __m512 s = _mm512_add_ps(_mm512_add_ps(_mm512_add_ps(a0, a1), _mm512_add_ps(a2, a3)),
                             _mm512_add_ps(_mm512_add_ps(a4, a5), _mm512_add_ps(a6, a7)));
    s = _mm512_add_ps(s, _mm512_add_ps(_mm512_add_ps(a8, a9), _mm512_add_ps(a10, a11)));
    return _mm512_reduce_add_ps(s);
}

__attribute__((target("avx2,fma"))) static float loop256(long iterations) {
    __m256 x = _mm256_set1_ps(1.0000001f), y = _mm256_set1_ps(0.9999999f);
    __m256 a0 = _mm256_set1_ps(0), a1 = _mm256_set1_ps(1), a2 = _mm256_set1_ps(2), a3 = _mm256_set1_ps(3);
    __m256 a4 = _mm256_set1_ps(4), a5 = _mm256_set1_ps(5), a6 = _mm256_set1_ps(6), a7 = _mm256_set1_ps(7);
    __m256 a8 = _mm256_set1_ps(8), a9 = _mm256_set1_ps(9), a10 = _mm256_set1_ps(10), a11 = _mm256_set1_ps(11);
    for (long k = 0; k < iterations; k++) { ROUND(_mm256_fmadd_ps); }
    __m256 s = _mm256_add_ps(_mm256_add_ps(_mm256_add_ps(a0, a1), _mm256_add_ps(a2, a3)),
                             _mm256_add_ps(_mm256_add_ps(a4, a5), _mm256_add_ps(a6, a7)));
    s = _mm256_add_ps(s, _mm256_add_ps(_mm256_add_ps(a8, a9), _mm256_add_ps(a10, a11)));
    float lanes[8];
    _mm256_storeu_ps(lanes, s);
    return lanes[0] + lanes[1] + lanes[2] + lanes[3] + lanes[4] + lanes[5] + lanes[6] + lanes[7];
}

float machine_fma_loop(int bits, long iterations) {
    machine_cpu cpu;
    machine_cpu_probe(&cpu);
    if (bits == 512 && cpu.avx512f) return loop512(iterations);
    if (bits == 256 && cpu.avx2 && cpu.fma) return loop256(iterations);
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

float machine_read_sum(const float *values, long count) {
    machine_cpu cpu;
    machine_cpu_probe(&cpu);
    if (cpu.avx2) return read256(values, count);
    float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    long i = 0;
    for (; i + 4 <= count; i += 4) { s0 += values[i]; s1 += values[i + 1]; s2 += values[i + 2]; s3 += values[i + 3]; }
    for (; i < count; i++) s0 += values[i];
    return s0 + s1 + s2 + s3;
}
#else
float machine_fma_loop(int bits, long iterations) { (void)bits; (void)iterations; return -1; }
float machine_read_sum(const float *values, long count) {
    float s = 0;
    for (long i = 0; i < count; i++) s += values[i];
    return s;
}
#endif
