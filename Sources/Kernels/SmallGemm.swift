/// Matrix products with few rows (2 ≤ M ≤ 32), as when sampling a batch one
/// token at a time. sgemm packs all of B on every call, which for so few rows
/// costs more than the product; these kernels stream B once per group of four
/// rows, straight from where it lies.

/// C (M, N) = A (M, K) · B (K, N) + beta · C, with beta 0 or 1.
/// Register tile: 4 rows × 64 columns (16 accumulators of 16 lanes).
@usableFromInline
func smallGemmNN(
    M: Int, N: Int, K: Int, A: UnsafePointer<Float>, lda: Int, B: UnsafePointer<Float>, ldb: Int,
    accumulate: Bool, C: UnsafeMutablePointer<Float>, ldc: Int
) {
    let blocks = (N + 63) / 64
    Parallel.forEach(blocks, grain: max(1, 262_144 / max(1, M * K * 64))) { range in
        for block in range {
            let j0 = block * 64
            if j0 + 64 <= N {
                var i = 0
                while i < M {
                    let rows = min(4, M - i)
                    tileNN(rows: rows, K: K, A: A + i * lda, lda: lda, B: B + j0, ldb: ldb,
                           accumulate: accumulate, C: C + i * ldc + j0, ldc: ldc)
                    i += rows
                }
            } else {
                for i in 0..<M {  // the last partial block, plainly
                    let c = C + i * ldc
                    for j in j0..<N {
                        var s: Float = accumulate ? c[j] : 0
                        for k in 0..<K { s += A[i * lda + k] * B[k * ldb + j] }
                        c[j] = s
                    }
                }
            }
        }
    }
}

/// One tile of up to 4 rows × 64 columns of `smallGemmNN`.
@inline(__always)
private func tileNN(
    rows: Int, K: Int, A: UnsafePointer<Float>, lda: Int, B: UnsafePointer<Float>, ldb: Int,
    accumulate: Bool, C: UnsafeMutablePointer<Float>, ldc: Int
) {
    var c00 = SIMD16<Float>(), c01 = SIMD16<Float>(), c02 = SIMD16<Float>(), c03 = SIMD16<Float>()
    var c10 = SIMD16<Float>(), c11 = SIMD16<Float>(), c12 = SIMD16<Float>(), c13 = SIMD16<Float>()
    var c20 = SIMD16<Float>(), c21 = SIMD16<Float>(), c22 = SIMD16<Float>(), c23 = SIMD16<Float>()
    var c30 = SIMD16<Float>(), c31 = SIMD16<Float>(), c32 = SIMD16<Float>(), c33 = SIMD16<Float>()
    // Rows past `rows` read row 0 again and are not stored.
    let a0 = A, a1 = rows > 1 ? A + lda : A, a2 = rows > 2 ? A + 2 * lda : A, a3 = rows > 3 ? A + 3 * lda : A
    for k in 0..<K {
        let b = B + k * ldb
        let b0 = load16(b), b1 = load16(b + 16), b2 = load16(b + 32), b3 = load16(b + 48)
        var a = SIMD16<Float>(repeating: a0[k])
        c00.addProduct(a, b0); c01.addProduct(a, b1); c02.addProduct(a, b2); c03.addProduct(a, b3)
        a = SIMD16<Float>(repeating: a1[k])
        c10.addProduct(a, b0); c11.addProduct(a, b1); c12.addProduct(a, b2); c13.addProduct(a, b3)
        a = SIMD16<Float>(repeating: a2[k])
        c20.addProduct(a, b0); c21.addProduct(a, b1); c22.addProduct(a, b2); c23.addProduct(a, b3)
        a = SIMD16<Float>(repeating: a3[k])
        c30.addProduct(a, b0); c31.addProduct(a, b1); c32.addProduct(a, b2); c33.addProduct(a, b3)
    }
    func put(_ row: Int, _ v0: SIMD16<Float>, _ v1: SIMD16<Float>, _ v2: SIMD16<Float>, _ v3: SIMD16<Float>) {
        let c = C + row * ldc
        if accumulate {
            store16(load16(c) + v0, c); store16(load16(c + 16) + v1, c + 16)
            store16(load16(c + 32) + v2, c + 32); store16(load16(c + 48) + v3, c + 48)
        } else {
            store16(v0, c); store16(v1, c + 16); store16(v2, c + 32); store16(v3, c + 48)
        }
    }
    put(0, c00, c01, c02, c03)
    if rows > 1 { put(1, c10, c11, c12, c13) }
    if rows > 2 { put(2, c20, c21, c22, c23) }
    if rows > 3 { put(3, c30, c31, c32, c33) }
}

/// C (M, N) = A (M, K) · Bᵀ + beta · C for B stored (N, K), beta 0 or 1: the
/// tied LM head, logits = x · wteᵀ. Register tile: 4 rows × 4 columns of
/// 16-lane partial dot products.
@usableFromInline
func smallGemmNT(
    M: Int, N: Int, K: Int, A: UnsafePointer<Float>, lda: Int, B: UnsafePointer<Float>, ldb: Int,
    accumulate: Bool, C: UnsafeMutablePointer<Float>, ldc: Int
) {
    let groups = (N + 3) / 4
    Parallel.forEach(groups, grain: max(1, 262_144 / max(1, M * K * 4))) { range in
        for g in range {
            let j0 = g * 4, cols = min(4, N - j0)
            var i = 0
            while i < M {
                let rows = min(4, M - i)
                if K % 16 == 0 {
                    tileNT(rows: rows, cols: cols, K: K, A: A + i * lda, lda: lda, B: B + j0 * ldb, ldb: ldb,
                           accumulate: accumulate, C: C + i * ldc + j0, ldc: ldc)
                } else {
                    for r in 0..<rows {
                        for j in 0..<cols {
                            let s = dot(A + (i + r) * lda, B + (j0 + j) * ldb, K)
                            let c = C + (i + r) * ldc + j0 + j
                            c.pointee = accumulate ? c.pointee + s : s
                        }
                    }
                }
                i += rows
            }
        }
    }
}

/// One tile of up to 4 × 4 outputs of `smallGemmNT`; K a multiple of 16.
@inline(__always)
private func tileNT(
    rows: Int, cols: Int, K: Int, A: UnsafePointer<Float>, lda: Int, B: UnsafePointer<Float>, ldb: Int,
    accumulate: Bool, C: UnsafeMutablePointer<Float>, ldc: Int
) {
    var acc = (
        SIMD16<Float>(), SIMD16<Float>(), SIMD16<Float>(), SIMD16<Float>(),
        SIMD16<Float>(), SIMD16<Float>(), SIMD16<Float>(), SIMD16<Float>(),
        SIMD16<Float>(), SIMD16<Float>(), SIMD16<Float>(), SIMD16<Float>(),
        SIMD16<Float>(), SIMD16<Float>(), SIMD16<Float>(), SIMD16<Float>())
    let a0 = A, a1 = rows > 1 ? A + lda : A, a2 = rows > 2 ? A + 2 * lda : A, a3 = rows > 3 ? A + 3 * lda : A
    let b0 = B, b1 = cols > 1 ? B + ldb : B, b2 = cols > 2 ? B + 2 * ldb : B, b3 = cols > 3 ? B + 3 * ldb : B
    var k = 0
    while k < K {
        let x0 = load16(a0 + k), x1 = load16(a1 + k), x2 = load16(a2 + k), x3 = load16(a3 + k)
        let w0 = load16(b0 + k), w1 = load16(b1 + k), w2 = load16(b2 + k), w3 = load16(b3 + k)
        acc.0.addProduct(x0, w0); acc.1.addProduct(x0, w1); acc.2.addProduct(x0, w2); acc.3.addProduct(x0, w3)
        acc.4.addProduct(x1, w0); acc.5.addProduct(x1, w1); acc.6.addProduct(x1, w2); acc.7.addProduct(x1, w3)
        acc.8.addProduct(x2, w0); acc.9.addProduct(x2, w1); acc.10.addProduct(x2, w2); acc.11.addProduct(x2, w3)
        acc.12.addProduct(x3, w0); acc.13.addProduct(x3, w1); acc.14.addProduct(x3, w2); acc.15.addProduct(x3, w3)
        k += 16
    }
    let sums = SIMD16<Float>(
        horizontalSum(acc.0), horizontalSum(acc.1), horizontalSum(acc.2), horizontalSum(acc.3), horizontalSum(acc.4), horizontalSum(acc.5), horizontalSum(acc.6), horizontalSum(acc.7),
        horizontalSum(acc.8), horizontalSum(acc.9), horizontalSum(acc.10), horizontalSum(acc.11), horizontalSum(acc.12), horizontalSum(acc.13), horizontalSum(acc.14), horizontalSum(acc.15))
    for r in 0..<rows {
        for j in 0..<cols {
            let c = C + r * ldc + j
            c.pointee = accumulate ? c.pointee + sums[r * 4 + j] : sums[r * 4 + j]
        }
    }
}
