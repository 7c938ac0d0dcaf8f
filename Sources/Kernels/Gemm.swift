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
    if M == 1 {
        gemv(transA: transA, transB: transB, N: N, K: K, alpha: alpha, a: A, lda: lda, B: B, ldb: ldb,
             beta: beta, c: C)
        return
    }
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

/// The M = 1 case of `gemm` (one row, as when sampling a single sequence),
/// through `cblas_sgemv`: sgemm would pack the whole of B on every call.
/// c (N) = alpha · op(B)ᵀ · a + beta · c, split over blocks of N.
private func gemv(
    transA: Bool, transB: Bool, N: Int, K: Int, alpha: Float, a: UnsafePointer<Float>, lda: Int,
    B: UnsafePointer<Float>, ldb: Int, beta: Float, c: UnsafeMutablePointer<Float>
) {
    let incA = Int32(transA ? lda : 1)  // a is row 0 of A, or column 0 of Aᵀ's storage
    Parallel.forEach(N, grain: max(16, 131_072 / max(K, 1))) { r in
        if transB {  // B stored (N, K): c = B·a
            cblas_sgemv(CblasRowMajor, CblasNoTrans, Int32(r.count), Int32(K), alpha,
                        B + r.lowerBound * ldb, Int32(ldb), a, incA, beta, c + r.lowerBound, 1)
        } else {  // B stored (K, N): c = Bᵀ·a
            cblas_sgemv(CblasRowMajor, CblasTrans, Int32(K), Int32(r.count), alpha,
                        B + r.lowerBound, Int32(ldb), a, incA, beta, c + r.lowerBound, 1)
        }
    }
}
