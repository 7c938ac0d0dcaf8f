// bfloat16 products on AMX tiles and with AVX-512 BF16: see CBFloat16.h.
// Instruction semantics from Intel's Software Developer's Manual (TDPBF16PS,
// VDPBF16PS, VCVTNE2PS2BF16) and the Intel Architecture Instruction Set
// Extensions Programming Reference, ch. 3 (tile configuration, palette 1:
// 8 tiles of 16 rows x 64 bytes); the permission request from Linux's
// Documentation/arch/x86/xstate.rst.
#include "CBFloat16.h"

#include <string.h>

#if defined(__x86_64__)
#include <immintrin.h>
#include <sys/syscall.h>
#include <unistd.h>

enum { ARCH_REQ_XCOMP_PERM = 0x1023, XFEATURE_XTILEDATA = 18 };

bool bf16_amx_request(void) {
    return syscall(SYS_arch_prctl, ARCH_REQ_XCOMP_PERM, XFEATURE_XTILEDATA) == 0;
}

static long up(long x, long to) { return (x + to - 1) / to * to; }

long bf16_packed_count(long K, long N) { return up(N, 32) * up(K, 32); }

// One bfloat16 from a binary32, nearest and ties to even (NaN stays NaN): BFloat16.swift's rule.
static uint16_t round_bf16(float x) {
    uint32_t u;
    memcpy(&u, &x, 4);
    if ((u & 0x7FFFFFFF) > 0x7F800000) return 0x7FC0;
    return (uint16_t)((u + 0x7FFF + ((u >> 16) & 1)) >> 16);
}

// Packed layout: panel p (16 columns) starts at p * Kp * 16; within it, row kp
// (k = 2kp, 2kp + 1) holds 16 pairs: element [kp][c][k % 2].

// 16 rows of 16 32-bit words, transposed in registers: unpacking words and
// then pairs leaves v[q][s] holding, in 128-bit lane l, word 4l + s of rows
// 4q..4q+3; a 4 x 4 transpose of lanes over q then gives each output row.
__attribute__((target("avx512f")))
static void transpose16(__m512i r[16]) {
    __m512i t[16], v[16];
    for (int i = 0; i < 16; i += 2) {
        t[i] = _mm512_unpacklo_epi32(r[i], r[i + 1]);
        t[i + 1] = _mm512_unpackhi_epi32(r[i], r[i + 1]);
    }
    for (int q = 0; q < 4; q++) {  // v[4q + s]
        __m512i *x = t + 4 * q;
        v[4 * q + 0] = _mm512_unpacklo_epi64(x[0], x[2]);
        v[4 * q + 1] = _mm512_unpackhi_epi64(x[0], x[2]);
        v[4 * q + 2] = _mm512_unpacklo_epi64(x[1], x[3]);
        v[4 * q + 3] = _mm512_unpackhi_epi64(x[1], x[3]);
    }
    for (int s = 0; s < 4; s++) {
        __m512i a = _mm512_shuffle_i32x4(v[s], v[4 + s], 0x44), b = _mm512_shuffle_i32x4(v[s], v[4 + s], 0xEE);
        __m512i c = _mm512_shuffle_i32x4(v[8 + s], v[12 + s], 0x44), d = _mm512_shuffle_i32x4(v[8 + s], v[12 + s], 0xEE);
        r[s] = _mm512_shuffle_i32x4(a, c, 0x88);
        r[4 + s] = _mm512_shuffle_i32x4(a, c, 0xDD);
        r[8 + s] = _mm512_shuffle_i32x4(b, d, 0x88);
        r[12 + s] = _mm512_shuffle_i32x4(b, d, 0xDD);
    }
}

__attribute__((target("avx512f,avx512bw")))
void bf16_pack_b(const uint16_t *B, long ldb, bool transB, long K, long n0, long n, uint16_t *packed) {
    long Kp = up(K, 32), np = up(n, 32);
    memset(packed, 0, (size_t)(np * Kp) * 2);
    if (transB) {
        // Column j of op(B) is row j of B: its (k, k+1) pairs are 32-bit words, so a
        // panel row is word kp of 16 rows: 16 x 16 transposes of 32-bit words.
        for (long j0 = 0; j0 < n; j0 += 16) {
            uint32_t *panel = (uint32_t *)(packed + (j0 / 16) * Kp * 16);
            long cols = n - j0 < 16 ? n - j0 : 16, k = 0;
            if (cols == 16) {
                for (; k + 32 <= K; k += 32) {
                    __m512i r[16];
                    for (int c = 0; c < 16; c++) r[c] = _mm512_loadu_si512((const void *)(B + (n0 + j0 + c) * ldb + k));
                    transpose16(r);
                    for (int w = 0; w < 16; w++) _mm512_storeu_si512((void *)(panel + (k / 2 + w) * 16), r[w]);
                }
            }
            for (long c = 0; c < cols; c++) {
                const uint16_t *row = B + (n0 + j0 + c) * ldb;
                uint16_t *to = (uint16_t *)panel;
                for (long kk = k; kk < K; kk++) to[(kk / 2) * 32 + 2 * c + (kk & 1)] = row[kk];
            }
        }
    } else {
        // Row k of op(B) is row k of B: rows 2kp and 2kp+1 interleave.
        __m512i lo = _mm512_set_epi16(47, 15, 46, 14, 45, 13, 44, 12, 43, 11, 42, 10, 41, 9, 40, 8,
                                      39, 7, 38, 6, 37, 5, 36, 4, 35, 3, 34, 2, 33, 1, 32, 0);
        __m512i hi = _mm512_add_epi16(lo, _mm512_set1_epi16(16));
        long j0 = 0;
        for (; j0 + 32 <= n; j0 += 32) {
            uint16_t *panel = packed + (j0 / 16) * Kp * 16;
            long k = 0;
            for (; k + 2 <= K; k += 2) {
                __m512i r0 = _mm512_loadu_si512((const void *)(B + k * ldb + n0 + j0));
                __m512i r1 = _mm512_loadu_si512((const void *)(B + (k + 1) * ldb + n0 + j0));
                _mm512_storeu_si512((void *)(panel + (k / 2) * 32), _mm512_permutex2var_epi16(r0, lo, r1));
                _mm512_storeu_si512((void *)(panel + Kp * 16 + (k / 2) * 32), _mm512_permutex2var_epi16(r0, hi, r1));
            }
            for (; k < K; k++)
                for (long c = 0; c < 32; c++)
                    panel[(c / 16) * Kp * 16 + (k / 2) * 32 + 2 * (c % 16) + (k & 1)] = B[k * ldb + n0 + j0 + c];
        }
        for (; j0 < n; j0 += 16) {
            uint16_t *panel = packed + (j0 / 16) * Kp * 16;
            long cols = n - j0 < 16 ? n - j0 : 16;
            for (long k = 0; k < K; k++) {
                const uint16_t *row = B + k * ldb + n0 + j0;
                uint16_t *to = panel + (k / 2) * 32 + (k & 1);
                for (long c = 0; c < cols; c++) to[2 * c] = row[c];
            }
        }
    }
}

__attribute__((target("avx512f,avx512bw,avx512bf16")))
void bf16_round_a(const float *A, long lda, bool transA, long K, long m0, long m, uint16_t *out) {
    long Kp = up(K, 32), mp = up(m, 32);
    for (long r = 0; r < mp; r++) {
        uint16_t *to = out + r * Kp;
        if (r >= m) { memset(to, 0, (size_t)Kp * 2); continue; }
        long k = 0;
        if (!transA) {
            const float *row = A + (m0 + r) * lda;
            for (; k + 32 <= K; k += 32) {
                __m512bh v = _mm512_cvtne2ps_pbh(_mm512_loadu_ps(row + k + 16), _mm512_loadu_ps(row + k));
                _mm512_storeu_si512((void *)(to + k), (__m512i)v);
            }
            for (; k < K; k++) to[k] = round_bf16(row[k]);
        } else {
            for (; k < K; k++) to[k] = round_bf16(A[k * lda + m0 + r]);
        }
        for (; k < Kp; k++) to[k] = 0;
    }
}

// C rows [0, rows) x columns [0, cols) of a 16 x 16 block = alpha * t + beta * C.
__attribute__((target("avx512f")))
static void put_block(const float *t, long rows, long cols, float alpha, float beta, float *C, long ldc) {
    __mmask16 mask = (__mmask16)((1u << cols) - 1);
    __m512 va = _mm512_set1_ps(alpha), vb = _mm512_set1_ps(beta);
    for (long r = 0; r < rows; r++) {
        __m512 v = _mm512_mul_ps(va, _mm512_load_ps(t + 16 * r));
        if (beta != 0) v = _mm512_fmadd_ps(vb, _mm512_maskz_loadu_ps(mask, C + r * ldc), v);
        _mm512_mask_storeu_ps(C + r * ldc, mask, v);
    }
}

typedef struct {
    uint8_t palette_id, start_row, reserved[14];
    uint16_t colsb[16];
    uint8_t rows[16];
} tile_config;

__attribute__((target("amx-tile,amx-bf16,avx512f")))
void bf16_gemm_amx(long m, long n, long K, const uint16_t *Ap, const uint16_t *Bp, float alpha, float beta,
                   float *C, long ldc) {
    long Kp = up(K, 32), mp = up(m, 32), np = up(n, 32);
    tile_config config;
    memset(&config, 0, sizeof config);
    config.palette_id = 1;
    for (int t = 0; t < 8; t++) { config.rows[t] = 16; config.colsb[t] = 64; }
    _tile_loadconfig(&config);
    float out[4][256] __attribute__((aligned(64)));
    long strideA = Kp * 2;
    for (long j = 0; j < np; j += 32) {
        const uint16_t *b0 = Bp + (j / 16) * Kp * 16, *b1 = b0 + Kp * 16;
        for (long i = 0; i < mp; i += 32) {
            const uint16_t *a0 = Ap + i * Kp, *a1 = a0 + 16 * Kp;
            _tile_zero(0); _tile_zero(1); _tile_zero(2); _tile_zero(3);
            for (long k = 0; k < Kp; k += 32) {
                _tile_loadd(4, a0 + k, strideA);
                _tile_loadd(6, b0 + k * 16, 64);
                _tile_dpbf16ps(0, 4, 6);
                _tile_loadd(7, b1 + k * 16, 64);
                _tile_dpbf16ps(1, 4, 7);
                _tile_loadd(5, a1 + k, strideA);
                _tile_dpbf16ps(2, 5, 6);
                _tile_dpbf16ps(3, 5, 7);
            }
            _tile_stored(0, out[0], 64); _tile_stored(1, out[1], 64);
            _tile_stored(2, out[2], 64); _tile_stored(3, out[3], 64);
            for (int t = 0; t < 4; t++) {
                long r0 = i + (t >> 1) * 16, c0 = j + (t & 1) * 16;
                if (r0 >= m || c0 >= n) continue;
                put_block(out[t], m - r0 < 16 ? m - r0 : 16, n - c0 < 16 ? n - c0 : 16, alpha, beta,
                          C + r0 * ldc + c0, ldc);
            }
        }
    }
    _tile_release();
}

// Eight rows of Ap times two panels of Bp (32 columns), accumulated over Kp.
__attribute__((target("avx512f,avx512bf16")))
static void rows8(const uint16_t *a, long Kp, const uint16_t *b0, const uint16_t *b1, float out[4][256], int half) {
    __m512 acc[8][2];
    for (int r = 0; r < 8; r++) acc[r][0] = acc[r][1] = _mm512_setzero_ps();
    for (long kp = 0; kp < Kp / 2; kp++) {
        __m512bh v0 = (__m512bh)_mm512_load_si512((const void *)(b0 + kp * 32));
        __m512bh v1 = (__m512bh)_mm512_load_si512((const void *)(b1 + kp * 32));
        for (int r = 0; r < 8; r++) {
            uint32_t w;
            memcpy(&w, a + r * Kp + 2 * kp, 4);
            __m512bh x = (__m512bh)_mm512_set1_epi32((int)w);
            acc[r][0] = _mm512_dpbf16_ps(acc[r][0], x, v0);
            acc[r][1] = _mm512_dpbf16_ps(acc[r][1], x, v1);
        }
    }
    // out[t] holds the 16 x 16 blocks as the AMX kernel lays them out; `half` is which 8 of 32 rows.
    for (int r = 0; r < 8; r++) {
        int row = half * 8 + r;
        _mm512_store_ps(out[(row / 16) * 2 + 0] + (row % 16) * 16, acc[r][0]);
        _mm512_store_ps(out[(row / 16) * 2 + 1] + (row % 16) * 16, acc[r][1]);
    }
}

__attribute__((target("avx512f,avx512bf16")))
void bf16_gemm_avx512(long m, long n, long K, const uint16_t *Ap, const uint16_t *Bp, float alpha, float beta,
                      float *C, long ldc) {
    long Kp = up(K, 32), mp = up(m, 32), np = up(n, 32);
    float out[4][256] __attribute__((aligned(64)));
    for (long j = 0; j < np; j += 32) {
        const uint16_t *b0 = Bp + (j / 16) * Kp * 16, *b1 = b0 + Kp * 16;
        for (long i = 0; i < mp; i += 32) {
            for (int half = 0; half < 4; half++) {
                if (i + half * 8 >= m) break;
                rows8(Ap + (i + half * 8) * Kp, Kp, b0, b1, out, half);
            }
            for (int t = 0; t < 4; t++) {
                long r0 = i + (t >> 1) * 16, c0 = j + (t & 1) * 16;
                if (r0 >= m || c0 >= n) continue;
                put_block(out[t], m - r0 < 16 ? m - r0 : 16, n - c0 < 16 ? n - c0 : 16, alpha, beta,
                          C + r0 * ldc + c0, ldc);
            }
        }
    }
}

#else
bool bf16_amx_request(void) { return false; }
long bf16_packed_count(long K, long N) { return 0; }
void bf16_pack_b(const uint16_t *B, long ldb, bool transB, long K, long n0, long n, uint16_t *packed) {}
void bf16_round_a(const float *A, long lda, bool transA, long K, long m0, long m, uint16_t *out) {}
void bf16_gemm_amx(long m, long n, long K, const uint16_t *Ap, const uint16_t *Bp, float alpha, float beta,
                   float *C, long ldc) {}
void bf16_gemm_avx512(long m, long n, long K, const uint16_t *Ap, const uint16_t *Bp, float alpha, float beta,
                      float *C, long ldc) {}
#endif
