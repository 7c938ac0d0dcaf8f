import CBFloat16

/// `gemm` with B given as a `Weight`, binary32 or bfloat16 (`fewRows` as for binary32).
///
/// A bfloat16 B is never widened whole. With one row of A (sampling one
/// sequence) its products stream B once at two bytes a weight, widening in
/// registers. With more rows it runs `BFloat16Products.current`: natively
/// (`gemmNative`), or widened a block of columns at a time into a scratch of its
/// own and multiplied by the binary32 `gemm`, so the numbers do not depend on the
/// thread count. Blocks are small (L2-sized) for few rows of A, where the
/// product streams B, and large (4 MB) for many, where sgemm would otherwise
/// pack A again for every block.
public func gemm(
    transA: Bool = false, transB: Bool = false, M: Int, N: Int, K: Int,
    alpha: Float = 1, A: UnsafePointer<Float>, lda: Int,
    B: Weight, ldb: Int,
    beta: Float = 0, C: UnsafeMutablePointer<Float>, ldc: Int, fewRows: Bool = true
) {
    switch B {
    case .float(let b):
        gemm(transA: transA, transB: transB, M: M, N: N, K: K, alpha: alpha, A: A, lda: lda, B: b, ldb: ldb,
             beta: beta, C: C, ldc: ldc, fewRows: fewRows)
    case .bfloat16(let b):
        if M == 0 || N == 0 { return }
        if M == 1 && !transA && fewRows {
            gemvBFloat16(transB: transB, N: N, K: K, alpha: alpha, a: A, B: b, ldb: ldb, beta: beta, c: C)
            return
        }
        let kernel = BFloat16Products.current
        if kernel != .widened && K > 0 {
            gemmNative(kernel, transA: transA, transB: transB, M: M, N: N, K: K, alpha: alpha, A: A, lda: lda,
                       B: b, ldb: ldb, beta: beta, C: C, ldc: ldc)
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
                     B: scratch, ldb: transB ? K : w, beta: beta, C: C + j0, ldc: ldc, fewRows: fewRows)
            }
        }
    }
}

/// C = alpha · bf16(op(A)) · op(B) + beta · C with the CPU's bfloat16
/// instructions (CBFloat16): op(A) is rounded to bfloat16 once, in blocks of 32
/// rows; the columns of op(B) are packed into the instructions' layout (pairs of
/// k side by side) a block at a time by each thread and multiplied at once. Every
/// output sums its K products in one fixed order whatever the blocks, so the
/// numbers do not depend on the thread count.
private func gemmNative(
    _ kernel: BFloat16Kernel, transA: Bool, transB: Bool, M: Int, N: Int, K: Int, alpha: Float,
    A: UnsafePointer<Float>, lda: Int, B: UnsafePointer<UInt16>, ldb: Int, beta: Float,
    C: UnsafeMutablePointer<Float>, ldc: Int
) {
    let Kp = (K + 31) / 32 * 32, Mp = (M + 31) / 32 * 32
    let rounded = UnsafeMutableRawPointer.allocate(byteCount: Mp * Kp * 2, alignment: 64).bindMemory(to: UInt16.self, capacity: Mp * Kp)
    defer { rounded.deallocate() }
    Parallel.forEach(Mp / 32, grain: max(1, 16_384 / Kp)) { blocks in
        for block in blocks {
            bf16_round_a(A, lda, transA, K, block * 32, min(32, M - block * 32), rounded + block * 32 * Kp)
        }
    }
    // Packed columns a thread holds at once: about 512 KB (within L2 beside A's rows).
    let panels = (N + 31) / 32
    let width = max(1, min(panels, 262_144 / (Kp * 32))) * 32
    Parallel.forEach(panels, grain: max(1, 65_536 / (Kp * 32))) { range in
        let lo = range.lowerBound * 32, hi = min(N, range.upperBound * 32)
        let count = bf16_packed_count(K, width)
        let packed = UnsafeMutableRawPointer.allocate(byteCount: count * 2, alignment: 64).bindMemory(to: UInt16.self, capacity: count)
        defer { packed.deallocate() }
        var j0 = lo
        while j0 < hi {
            let w = min(width, hi - j0)
            bf16_pack_b(B, ldb, transB, K, j0, w, packed)
            if kernel == .amx {
                bf16_gemm_amx(M, w, K, rounded, packed, alpha, beta, C + j0, ldc)
            } else {
                bf16_gemm_avx512(M, w, K, rounded, packed, alpha, beta, C + j0, ldc)
            }
            j0 += w
        }
    }
}

/// c (N) = alpha · op(B)ᵀ · a + beta · c for a bfloat16 B: the M = 1 case,
/// bound by streaming B. B stored (N, K) (`transB`): a dot product per row,
/// blocks of rows per thread. B stored (K, N): `inTwoHalves`, as for binary32. The float
/// side (a, or the partial sums) is kept in `splitByParity` order, so each
/// 32 weights widen with one shift and one mask.
private func gemvBFloat16(
    transB: Bool, N: Int, K: Int, alpha: Float, a: UnsafePointer<Float>, B: UnsafePointer<UInt16>, ldb: Int,
    beta: Float, c: UnsafeMutablePointer<Float>
) {
    if transB {
        withUnsafeTemporaryAllocation(of: Float.self, capacity: K) { split in
            let ap = split.baseAddress!
            splitByParity(a, ap, K)
            // A thread takes at least 256 KB of B, as `gemv` does for binary32.
            Parallel.forEach(N, grain: max(16, 131_072 / max(K, 1))) { r in
                for j in r {
                    let s = alpha * dotBFloat16(B + j * ldb, ap, K)
                    c[j] = beta == 0 ? s : beta * c[j] + s
                }
            }
        }
        return
    }
    inTwoHalves(N: N, K: K, alpha: alpha, beta: beta, c: c, at: { splitIndex($0, N) }) { rows, out in
        var k = rows.lowerBound
        while k + 4 <= rows.upperBound {
            axpy4BFloat16(a[k], a[k + 1], a[k + 2], a[k + 3], B + k * ldb, ldb, out, N)
            k += 4
        }
        while k < rows.upperBound {
            axpy4BFloat16(a[k], 0, 0, 0, B + k * ldb, 0, out, N)  // one row: the same row four times, three at weight 0
            k += 1
        }
    }
}

/// Σ b[i]·a[i] over `n` values, b bfloat16 and a in `splitByParity` order.
@inline(__always)
private func dotBFloat16(_ b: UnsafePointer<UInt16>, _ a: UnsafePointer<Float>, _ n: Int) -> Float {
    var acc0 = SIMD16<Float>(), acc1 = SIMD16<Float>()
    var i = 0
    while i + 32 <= n {
        let (even, odd) = load32Split(b + i)
        acc0.addProduct(even, load16(a + i))
        acc1.addProduct(odd, load16(a + i + 16))
        i += 32
    }
    var sum = horizontalSum(acc0 + acc1)
    while i < n { sum += BFloat16.float(b[i]) * a[i]; i += 1 }
    return sum
}

/// y (n) += a0·x[0] + a1·x[ld] + a2·x[2·ld] + a3·x[3·ld] for bfloat16 rows x,
/// y in `splitByParity` order.
@inline(__always)
private func axpy4BFloat16(
    _ a0: Float, _ a1: Float, _ a2: Float, _ a3: Float, _ x: UnsafePointer<UInt16>, _ ld: Int,
    _ y: UnsafeMutablePointer<Float>, _ n: Int
) {
    let v0 = SIMD16<Float>(repeating: a0), v1 = SIMD16<Float>(repeating: a1)
    let v2 = SIMD16<Float>(repeating: a2), v3 = SIMD16<Float>(repeating: a3)
    var j = 0
    while j + 32 <= n {
        var even = load16(y + j), odd = load16(y + j + 16)
        let (e0, o0) = load32Split(x + j), (e1, o1) = load32Split(x + ld + j)
        let (e2, o2) = load32Split(x + 2 * ld + j), (e3, o3) = load32Split(x + 3 * ld + j)
        even.addProduct(v0, e0); odd.addProduct(v0, o0)
        even.addProduct(v1, e1); odd.addProduct(v1, o1)
        even.addProduct(v2, e2); odd.addProduct(v2, o2)
        even.addProduct(v3, e3); odd.addProduct(v3, o3)
        store16(even, y + j)
        store16(odd, y + j + 16)
        j += 32
    }
    while j < n {
        y[j] += a0 * BFloat16.float(x[j]) + a1 * BFloat16.float(x[ld + j])
            + a2 * BFloat16.float(x[2 * ld + j]) + a3 * BFloat16.float(x[3 * ld + j])
        j += 1
    }
}
