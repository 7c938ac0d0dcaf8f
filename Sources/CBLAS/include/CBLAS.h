// OpenBLAS, loaded at run time rather than linked.
//
// OpenBLAS chooses its kernels in a load-time constructor, from a list of CPU
// models it knows; on a CPU it does not know (an Intel Xeon of family 6, model
// 207, for OpenBLAS 0.3.21) it falls back to SSE3 kernels, six times slower.
// The constructor reads OPENBLAS_CORETYPE, so the choice can be made for it,
// but only before the library is loaded: a linked library is loaded before
// main, too early. So the library is opened here with dlopen, after the
// caller has set the environment (Kernels' BLAS.swift decides what to set).
#ifndef RLHF_CBLAS_H
#define RLHF_CBLAS_H

#ifdef __cplusplus
extern "C" {
#endif

/// Opens the first of `names` (a NULL-terminated list of file names, as dlopen
/// takes them) that loads and has every function used here. Returns NULL on
/// success, or a message saying what failed. Not thread-safe: call once.
const char *blas_open(const char *const *names);

/// The name of the library opened, or NULL before `blas_open` succeeded.
const char *blas_library(void);

/// OpenBLAS's name of the kernel it runs ("SkylakeX", "Haswell", "Prescott").
const char *blas_core_name(void);

/// OpenBLAS's build configuration ("OpenBLAS 0.3.21 DYNAMIC_ARCH ...").
const char *blas_config(void);

/// The number of threads OpenBLAS may use inside one call.
void blas_set_threads(int threads);

/// C = alpha op(A) op(B) + beta C, row-major (CBLAS's sgemm).
void blas_sgemm(int transA, int transB, int M, int N, int K, float alpha,
                const float *A, int lda, const float *B, int ldb,
                float beta, float *C, int ldc);

/// y = alpha op(A) x + beta y, row-major (CBLAS's sgemv).
void blas_sgemv(int transA, int M, int N, float alpha, const float *A, int lda,
                const float *x, int incx, float beta, float *y, int incy);

#ifdef __cplusplus
}
#endif
#endif
