// Matrix products with the CPU's bfloat16 dot-product instructions: AMX tiles
// (TDPBF16PS, Intel Sapphire Rapids and later) or AVX-512 BF16 (VDPBF16PS,
// AMD Zen 4, Intel Cooper Lake and later). Both multiply bfloat16 pairs and
// accumulate in binary32, so C = A·B is exact products summed in binary32, A
// rounded to bfloat16 (nearest, ties to even) first. Kernels' GemmBFloat16.swift
// chooses and drives them; the caller checks the CPU's features first
// (machine_cpu_probe in CMachine).
#ifndef RLHF_CBFLOAT16_H
#define RLHF_CBFLOAT16_H

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Asks Linux for the AMX tile state (arch_prctl ARCH_REQ_XCOMP_PERM, Linux 5.16+);
/// true when AMX may be used by every thread of this process from now on.
bool bf16_amx_request(void);

/// Elements of a packed B for K x N: N rounded up to 16, K up to 32.
long bf16_packed_count(long K, long N);

/// Packs columns [n0, n0 + n) of op(B) (K x N, bfloat16; B stored (N, K) when
/// `transB`, else (K, N), leading dimension ldb) into `packed` (bf16_packed_count(K, n)
/// elements): panels of 16 columns, each K/2 rows of 16 (k, k+1) pairs, the
/// layout both instructions read; padding is zero.
void bf16_pack_b(const uint16_t *B, long ldb, bool transB, long K, long n0, long n, uint16_t *packed);

/// Rounds rows [m0, m0 + m) of op(A) (M x K, binary32; A stored (K, M) when
/// `transA`) to bfloat16 into `out`, m rows of Kp = K rounded up to 32, zero-padded.
void bf16_round_a(const float *A, long lda, bool transA, long K, long m0, long m, uint16_t *out);

/// C (m x n) = alpha · Ap · Bp + beta · C for a rounded A (m rows of Kp) and a
/// packed B (n columns): AMX tiles. Needs bf16_amx_request() first.
void bf16_gemm_amx(long m, long n, long K, const uint16_t *Ap, const uint16_t *Bp, float alpha, float beta,
                   float *C, long ldc);

/// The same product with AVX-512 BF16 (rows 8 at a time); sums may differ
/// from AMX's in the last bits (each instruction adds its pair in its own order).
void bf16_gemm_avx512(long m, long n, long K, const uint16_t *Ap, const uint16_t *Bp, float alpha, float beta,
                      float *C, long ldc);

#ifdef __cplusplus
}
#endif
#endif
