/// `gemm` with B given as a `Weight`, binary32 or bfloat16.
///
/// A bfloat16 B is never widened whole. With one row of A (sampling one
/// sequence) its products stream B once at two bytes a weight, widening in
/// registers. Otherwise B is cut into blocks of output columns whose number
/// depends only on the shape; each block is widened into a scratch of its own
/// and multiplied by the binary32 `gemm`, so the numbers do not depend on the
/// thread count. Blocks are small (L2-sized) for few rows of A, where the
/// product streams B, and large (4 MB) for many, where sgemm would otherwise
/// pack A again for every block.
public func gemm(
    transA: Bool = false, transB: Bool = false, M: Int, N: Int, K: Int,
    alpha: Float = 1, A: UnsafePointer<Float>, lda: Int,
    B: Weight, ldb: Int,
    beta: Float = 0, C: UnsafeMutablePointer<Float>, ldc: Int
) {
    switch B {
    case .float(let b):
        gemm(transA: transA, transB: transB, M: M, N: N, K: K, alpha: alpha, A: A, lda: lda, B: b, ldb: ldb,
             beta: beta, C: C, ldc: ldc)
    case .bfloat16(let b):
        if M == 0 || N == 0 { return }
        if M == 1 && !transA {
            gemvBFloat16(transB: transB, N: N, K: K, alpha: alpha, a: A, B: b, ldb: ldb, beta: beta, c: C)
            return
        }
        let floats = M <= 32 ? 32_768 : 1_048_576
        let width = min(N, max(16, floats / max(K, 1) / 16 * 16))
        let blocks = (N + width - 1) / width
        Parallel.forEach(blocks) { range in
            let scratch = UnsafeMutablePointer<Float>.allocate(capacity: K * width)
            defer { scratch.deallocate() }
            for block in range {
                let j0 = block * width, w = min(width, N - j0)
                if transB {  // B (N, K): rows j0..<j0+w, contiguous
                    for j in 0..<w { BFloat16.widen(b + (j0 + j) * ldb, scratch + j * K, K) }
                } else {  // B (K, N): columns j0..<j0+w of every row
                    for k in 0..<K { BFloat16.widen(b + k * ldb + j0, scratch + k * w, w) }
                }
                gemm(transA: transA, transB: transB, M: M, N: w, K: K, alpha: alpha, A: A, lda: lda,
                     B: scratch, ldb: transB ? K : w, beta: beta, C: C + j0, ldc: ldc)
            }
        }
    }
}

/// c (N) = alpha · op(B)ᵀ · a + beta · c for a bfloat16 B: the M = 1 case,
/// bound by streaming B. B stored (N, K) (`transB`): a dot product per row,
/// blocks of rows per thread. B stored (K, N): B's rows in two fixed halves,
/// each streamed into its own partial sum, added in a fixed order.
private func gemvBFloat16(
    transB: Bool, N: Int, K: Int, alpha: Float, a: UnsafePointer<Float>, B: UnsafePointer<UInt16>, ldb: Int,
    beta: Float, c: UnsafeMutablePointer<Float>
) {
    if transB {
        // A thread takes at least 256 KB of B, as `gemv` does for binary32.
        Parallel.forEach(N, grain: max(16, 131_072 / max(K, 1))) { r in
            for j in r {
                let s = alpha * dotBFloat16(B + j * ldb, a, K)
                c[j] = beta == 0 ? s : beta * c[j] + s
            }
        }
        return
    }
    withUnsafeTemporaryAllocation(of: Float.self, capacity: 2 * N) { scratch in
        let partial = scratch.baseAddress!
        let half = K / 2
        Parallel.forEach(2, grain: K * N >= 131_072 ? 1 : 2) { parts in
            for part in parts {
                let rows = part == 0 ? 0..<half : half..<K
                let out = partial + part * N
                out.update(repeating: 0, count: N)
                var k = rows.lowerBound
                while k + 4 <= rows.upperBound {
                    axpy4BFloat16(a[k], a[k + 1], a[k + 2], a[k + 3], B + k * ldb, ldb, out, N)
                    k += 4
                }
                while k < rows.upperBound {
                    let row = B + k * ldb
                    for j in 0..<N { out[j] += a[k] * BFloat16.float(row[j]) }
                    k += 1
                }
            }
        }
        for j in 0..<N {
            let sum = alpha * (partial[j] + partial[N + j])
            c[j] = beta == 0 ? sum : beta * c[j] + sum
        }
    }
}

/// Σ b[i]·a[i] over `n` values, b bfloat16.
@inline(__always)
private func dotBFloat16(_ b: UnsafePointer<UInt16>, _ a: UnsafePointer<Float>, _ n: Int) -> Float {
    var acc0 = SIMD16<Float>(), acc1 = SIMD16<Float>()
    var i = 0
    while i + 32 <= n {
        acc0.addProduct(load16(b + i), load16(a + i))
        acc1.addProduct(load16(b + i + 16), load16(a + i + 16))
        i += 32
    }
    if i + 16 <= n {
        acc0.addProduct(load16(b + i), load16(a + i))
        i += 16
    }
    var sum = horizontalSum(acc0 + acc1)
    while i < n { sum += BFloat16.float(b[i]) * a[i]; i += 1 }
    return sum
}

/// y (n) += a0·x[0] + a1·x[ld] + a2·x[2·ld] + a3·x[3·ld] for bfloat16 rows x.
@inline(__always)
private func axpy4BFloat16(
    _ a0: Float, _ a1: Float, _ a2: Float, _ a3: Float, _ x: UnsafePointer<UInt16>, _ ld: Int,
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
        y[j] += a0 * BFloat16.float(x[j]) + a1 * BFloat16.float(x[ld + j])
            + a2 * BFloat16.float(x[2 * ld + j]) + a3 * BFloat16.float(x[3 * ld + j])
        j += 1
    }
}
