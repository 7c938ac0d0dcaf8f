// OpenBLAS through dlopen: see CBLAS.h for why.
#include "CBLAS.h"

#include <dlfcn.h>
#include <stddef.h>
#include <stdio.h>

// CBLAS's constants (the CBLAS standard, cblas.h).
enum { RowMajor = 101, NoTrans = 111, Trans = 112 };

typedef void (*sgemm_fn)(int, int, int, int, int, int, float, const float *, int,
                         const float *, int, float, float *, int);
typedef void (*sgemv_fn)(int, int, int, int, float, const float *, int, const float *, int,
                         float, float *, int);
typedef char *(*name_fn)(void);
typedef void (*threads_fn)(int);

static sgemm_fn sgemm;
static sgemv_fn sgemv;
static name_fn core_name, config;
static threads_fn set_threads;
static char opened[256];  // a copy: the caller's names need not outlive the call
static char message[1024];

const char *blas_open(const char *const *names) {
    int written = snprintf(message, sizeof message, "cannot load OpenBLAS:");
    for (const char *const *name = names; *name != NULL; name++) {
        void *handle = dlopen(*name, RTLD_NOW | RTLD_LOCAL);
        if (handle == NULL) {
            const char *why = dlerror();
            if (written < (int)sizeof message)
                written += snprintf(message + written, sizeof message - written, " %s", why ? why : *name);
            continue;
        }
        sgemm = (sgemm_fn)dlsym(handle, "cblas_sgemm");
        sgemv = (sgemv_fn)dlsym(handle, "cblas_sgemv");
        core_name = (name_fn)dlsym(handle, "openblas_get_corename");
        config = (name_fn)dlsym(handle, "openblas_get_config");
        set_threads = (threads_fn)dlsym(handle, "openblas_set_num_threads");
        if (sgemm && sgemv && core_name && config && set_threads) {
            snprintf(opened, sizeof opened, "%s", *name);
            return NULL;
        }
        if (written < (int)sizeof message)
            written += snprintf(message + written, sizeof message - written,
                                " %s lacks cblas_sgemm, cblas_sgemv or openblas_get_corename;", *name);
        dlclose(handle);
    }
    return message;
}

const char *blas_library(void) { return opened[0] ? opened : NULL; }
const char *blas_core_name(void) { return core_name(); }
const char *blas_config(void) { return config(); }
void blas_set_threads(int threads) { set_threads(threads); }

void blas_sgemm(int transA, int transB, int M, int N, int K, float alpha,
                const float *A, int lda, const float *B, int ldb,
                float beta, float *C, int ldc) {
    sgemm(RowMajor, transA ? Trans : NoTrans, transB ? Trans : NoTrans, M, N, K, alpha, A, lda, B, ldb,
          beta, C, ldc);
}

void blas_sgemv(int transA, int M, int N, float alpha, const float *A, int lda,
                const float *x, int incx, float beta, float *y, int incy) {
    sgemv(RowMajor, transA ? Trans : NoTrans, M, N, alpha, A, lda, x, incx, beta, y, incy);
}
