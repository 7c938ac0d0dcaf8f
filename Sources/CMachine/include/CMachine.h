// What the CPU is and what it can do, measured from the inside: its cpuid
// identity and features (as the OS lets them be used), a register-resident FMA
// loop at a chosen vector width (the physical peak), and a streaming read (the
// memory bandwidth). Kernels' Machine.swift wraps these.
#ifndef RLHF_CMACHINE_H
#define RLHF_CMACHINE_H

#include <stdbool.h>

#ifdef __cplusplus
extern "C" {
#endif

/// The CPU as cpuid describes it. A vector feature is true only when both the
/// CPU has it and the OS saves its registers (XGETBV), as a kernel needs.
typedef struct {
    char vendor[13];  ///< "GenuineIntel", "AuthenticAMD"
    char brand[49];   ///< the marketing name, "AMD EPYC 9R14 96-Core Processor"
    int family, model, stepping;  ///< display family and model (extended fields folded in)
    bool sse3, avx, fma, avx2;
    bool avx512f, avx512dq, avx512bw, avx512vl, avx512bf16;
    bool amx;  ///< AMX tiles (AMX-TILE), Intel's matrix unit
} machine_cpu;

/// Fills `cpu` from cpuid; on a non-x86 machine everything is zero or false.
void machine_cpu_probe(machine_cpu *cpu);

/// Runs `iterations` rounds of 12 independent fused multiply-adds on vectors of
/// `bits` (512 needs AVX-512F, 256 needs AVX2 and FMA: the caller checks, from
/// `machine_cpu_probe`), all in registers: each round is 12 * bits / 32 * 2
/// floating-point operations. The result only keeps the work from being
/// optimised away. Returns -1 for a width other than 512 or 256.
float machine_fma_loop(int bits, long iterations);

/// The sum of `count` floats, read once in order with several accumulators (and
/// 256-bit loads when `avx2`, which the caller knows from `machine_cpu_probe`),
/// so that memory, not arithmetic, is the limit.
float machine_read_sum(const float *values, long count, bool avx2);

#ifdef __cplusplus
}
#endif
#endif
