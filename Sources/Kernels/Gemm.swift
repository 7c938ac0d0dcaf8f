import CBLAS

/// C (M, N) = alpha · op(A) · op(B) + beta · C, row-major, through `cblas_sgemm`.
///
/// op(A) is (M, K): A itself with leading dimension `lda`, or Aᵀ when `transA`
/// (A stored (K, M)). op(B) is (K, N) likewise. The output is split into
/// blocks of rows (or of columns, when N is the larger side) whose number
/// depends only on the shape, each computed by single-threaded BLAS, so results
/// do not depend on the thread count. With `fewRows` false, 2 to 32 rows go to
/// sgemm too, not to `smallGemmNT`/`NN`: a caller that cuts a product into
/// pieces of rows (the LM head a chunk at a time) then gets each row as the
/// uncut product gives it, since sgemm's sums do not depend on the rows around.
/// - Complexity: 2·M·N·K floating-point operations.
public func gemm(
    transA: Bool = false, transB: Bool = false, M: Int, N: Int, K: Int,
    alpha: Float = 1, A: UnsafePointer<Float>, lda: Int,
    B: UnsafePointer<Float>, ldb: Int,
    beta: Float = 0, C: UnsafeMutablePointer<Float>, ldc: Int, fewRows: Bool = true
) {
    if M == 0 || N == 0 { return }
    BLAS.loaded
    if M == 1 && fewRows {
        gemv(transA: transA, transB: transB, N: N, K: K, alpha: alpha, a: A, lda: lda, B: B, ldb: ldb,
             beta: beta, c: C)
        return
    }
    if M <= (transB ? 64 : 32) && fewRows && !transA && alpha == 1 && (beta == 0 || beta == 1) {
        if transB {
            smallGemmNT(M: M, N: N, K: K, A: A, lda: lda, B: B, ldb: ldb, accumulate: beta == 1, C: C, ldc: ldc)
        } else {
            smallGemmNN(M: M, N: N, K: K, A: A, lda: lda, B: B, ldb: ldb, accumulate: beta == 1, C: C, ldc: ldc)
        }
        return
    }
    let ta: Int32 = transA ? 1 : 0, tb: Int32 = transB ? 1 : 0
    // The output is cut into pieces whose number depends only on the shape
    // (about 4 MFLOP each, at most 8), so every sgemm call has the same shape,
    // and OpenBLAS picks the same kernel, whatever the thread count.
    let splitRows = M >= N
    let side = splitRows ? M : N
    let pieces = max(1, min(8, side / 16, 2 * M * N * K / 4_000_000))
    Parallel.forEach(pieces) { range in
        for piece in range {
            let lo = side * piece / pieces, count = side * (piece + 1) / pieces - lo
            if splitRows {
                let a = transA ? A + lo : A + lo * lda
                blas_sgemm(ta, tb, Int32(count), Int32(N), Int32(K), alpha,
                            a, Int32(lda), B, Int32(ldb), beta, C + lo * ldc, Int32(ldc))
            } else {
                let b = transB ? B + lo * ldb : B + lo
                blas_sgemm(ta, tb, Int32(M), Int32(count), Int32(K), alpha,
                            A, Int32(lda), b, Int32(ldb), beta, C + lo, Int32(ldc))
            }
        }
    }
}

/// The M = 1 case of `gemm` (one row, as when sampling a single sequence),
/// which is bound by streaming B from memory: c (N) = alpha · op(B)ᵀ · a + beta · c.
///
/// B stored (N, K) (`transB`): a dot product per row of B, blocks of rows
/// per thread. B stored (K, N): B's rows are split into two fixed halves, each
/// streamed contiguously into its own partial sum (sgemm would pack all of B;
/// sgemv split by columns reads each row in pieces), and the halves are added
/// in a fixed order whatever the thread count.
private func gemv(
    transA: Bool, transB: Bool, N: Int, K: Int, alpha: Float, a: UnsafePointer<Float>, lda: Int,
    B: UnsafePointer<Float>, ldb: Int, beta: Float, c: UnsafeMutablePointer<Float>
) {
    let incA = transA ? lda : 1  // a is row 0 of A, or column 0 of Aᵀ's storage
    if transB && incA == 1 {
        // A thread takes at least 512 KB of B: below that, handing it over costs more.
        Parallel.forEach(N, grain: max(16, 131_072 / max(K, 1))) { r in
            for j in r {
                let s = alpha * dot(B + j * ldb, a, K)
                c[j] = beta == 0 ? s : beta * c[j] + s
            }
        }
        return
    }
    if transB {
        Parallel.forEach(N, grain: max(16, 131_072 / max(K, 1))) { r in
            blas_sgemv(0, Int32(r.count), Int32(K), alpha,
                        B + r.lowerBound * ldb, Int32(ldb), a, Int32(incA), beta, c + r.lowerBound, 1)
        }
        return
    }
    inTwoHalves(N: N, K: K, alpha: alpha, beta: beta, c: c) { rows, out in
        var k = rows.lowerBound
        while k + 4 <= rows.upperBound {
            axpy4(a[k * incA], a[(k + 1) * incA], a[(k + 2) * incA], a[(k + 3) * incA], B + k * ldb, ldb, out, N)
            k += 4
        }
        while k < rows.upperBound { axpy(a[k * incA], B + k * ldb, out, N); k += 1 }
    }
}

/// c (N) = alpha · (s₀ + s₁) + beta · c, where `accumulate(rows, s)` adds into a
/// zeroed partial sum s the contribution of B's rows 0..<K/2 (s₀) or K/2..<K (s₁):
/// the M = 1 product of a B stored (K, N), each half streamed contiguously by
/// its own thread and the halves added in a fixed order whatever the thread
/// count. `at(j)` is where output j lies in a partial sum (a bfloat16 product
/// keeps them reordered).
@inline(__always)
func inTwoHalves(
    N: Int, K: Int, alpha: Float, beta: Float, c: UnsafeMutablePointer<Float>, at: (Int) -> Int = { $0 },
    _ accumulate: (Range<Int>, UnsafeMutablePointer<Float>) -> Void
) {
    withUnsafeTemporaryAllocation(of: Float.self, capacity: 2 * N) { scratch in
        let partial = scratch.baseAddress!
        Parallel.forEach(2, grain: K * N >= 131_072 ? 1 : 2) { parts in
            for part in parts {
                let out = partial + part * N
                out.update(repeating: 0, count: N)
                accumulate(part == 0 ? 0..<(K / 2) : (K / 2)..<K, out)
            }
        }
        for j in 0..<N {
            let sum = alpha * (partial[at(j)] + partial[N + at(j)])
            c[j] = beta == 0 ? sum : beta * c[j] + sum
        }
    }
}

/// y (n) += a0·x[0] + a1·x[ld] + a2·x[2·ld] + a3·x[3·ld]: four rows of a matrix at once,
/// so y is read and written once per four rows.
@inline(__always)
private func axpy4(
    _ a0: Float, _ a1: Float, _ a2: Float, _ a3: Float, _ x: UnsafePointer<Float>, _ ld: Int,
    _ y: UnsafeMutablePointer<Float>, _ n: Int
) {
    let v0 = SIMD16<Float>(repeating: a0), v1 = SIMD16<Float>(repeating: a1)
    let v2 = SIMD16<Float>(repeating: a2), v3 = SIMD16<Float>(repeating: a3)
    var j = 0
    while j + 16 <= n {
        var acc = load16(y + j)
        acc.addProduct(v0, load16(x + j))
        acc.addProduct(v1, load16(x + ld + j))
        acc.addProduct(v2, load16(x + 2 * ld + j))
        acc.addProduct(v3, load16(x + 3 * ld + j))
        store16(acc, y + j)
        j += 16
    }
    while j < n {
        y[j] += a0 * x[j] + a1 * x[ld + j] + a2 * x[2 * ld + j] + a3 * x[3 * ld + j]
        j += 1
    }
}

/// `gemm` on the calling thread only, for work that is already split across
/// threads (attention heads).
@inline(__always)
public func gemmSerial(
    transA: Bool = false, transB: Bool = false, M: Int, N: Int, K: Int,
    alpha: Float = 1, A: UnsafePointer<Float>, lda: Int,
    B: UnsafePointer<Float>, ldb: Int,
    beta: Float = 0, C: UnsafeMutablePointer<Float>, ldc: Int
) {
    BLAS.loaded
    blas_sgemm(transA ? 1 : 0, transB ? 1 : 0, Int32(M), Int32(N), Int32(K), alpha, A, Int32(lda), B, Int32(ldb), beta, C, Int32(ldc))
}
