import CBLAS

/// C (M, N) = alpha · op(A) · op(B) + beta · C, row-major, through `cblas_sgemm`.
///
/// op(A) is (M, K): A itself with leading dimension `lda`, or Aᵀ when `transA`
/// (A stored (K, M)). op(B) is (K, N) likewise. The output is split into
/// `Parallel.threads` blocks of rows (or of columns, when N is the larger
/// side), each computed by single-threaded BLAS, so results do not depend on
/// the thread count.
/// - Complexity: 2·M·N·K floating-point operations.
public func gemm(
    transA: Bool = false, transB: Bool = false, M: Int, N: Int, K: Int,
    alpha: Float = 1, A: UnsafePointer<Float>, lda: Int,
    B: UnsafePointer<Float>, ldb: Int,
    beta: Float = 0, C: UnsafeMutablePointer<Float>, ldc: Int
) {
    if M == 0 || N == 0 { return }
    let ta = transA ? CblasTrans : CblasNoTrans
    let tb = transB ? CblasTrans : CblasNoTrans
    let work = M * N * K
    let splitRows = M >= N
    let grain = max(1, (splitRows ? M : N) * 262_144 / max(work, 1))  // ≥ ~0.5 MFLOP a chunk
    Parallel.forEach(splitRows ? M : N, grain: max(grain, 16)) { r in
        if splitRows {
            let a = transA ? A + r.lowerBound : A + r.lowerBound * lda
            cblas_sgemm(
                CblasRowMajor, ta, tb, Int32(r.count), Int32(N), Int32(K), alpha,
                a, Int32(lda), B, Int32(ldb), beta, C + r.lowerBound * ldc, Int32(ldc))
        } else {
            let b = transB ? B + r.lowerBound * ldb : B + r.lowerBound
            cblas_sgemm(
                CblasRowMajor, ta, tb, Int32(M), Int32(r.count), Int32(K), alpha,
                A, Int32(lda), b, Int32(ldb), beta, C + r.lowerBound, Int32(ldc))
        }
    }
}
