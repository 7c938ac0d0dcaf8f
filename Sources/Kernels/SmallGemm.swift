/// Matrix products with few rows (2 ≤ M ≤ 64), as when sampling a batch one
/// token at a time. sgemm packs all of B on every call, which for so few rows
/// costs more than the product; these kernels read B straight from where it
/// lies, once per group of rows (four for B stored (K, N), sixteen for B
/// stored (N, K)).

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
/// products of a Llama-family block and the tied LM head while sampling. A is
/// packed transposed, 16 rows at a time, so a column of C is a vector over
/// those rows: each step k loads the rows' A[·, k] once and adds it times
/// B[j, k], broadcast straight from B, into the accumulators of twelve columns
/// j. No horizontal sums, and each element of B comes from memory once, as
/// the rows of a batch share it (later groups of 16 rows find the twelve
/// columns in cache). Every output is summed over k in order, whatever the
/// thread count.
@usableFromInline
func smallGemmNT(
    M: Int, N: Int, K: Int, A: UnsafePointer<Float>, lda: Int, B: UnsafePointer<Float>, ldb: Int,
    accumulate: Bool, C: UnsafeMutablePointer<Float>, ldc: Int
) {
    let groups = (M + 15) / 16, columns = 12  // rows in groups of 16 lanes; 12 accumulators
    withUnsafeTemporaryAllocation(of: Float.self, capacity: groups * K * 16) { packed in
        // Group g's rows, transposed: At[g][k][lane] = A[16g + lane][k], zero past M.
        let At = packed.baseAddress!
        At.update(repeating: 0, count: groups * K * 16)
        for i in 0..<M {
            let g = At + (i / 16) * K * 16 + i % 16
            for k in 0..<K { g[k * 16] = A[i * lda + k] }
        }
        let tiles = (N + columns - 1) / columns
        Parallel.forEach(tiles, grain: max(1, 262_144 / max(1, groups * 16 * K * columns))) { range in
            for tile in range {
                let j0 = tile * columns, n = min(columns, N - j0)
                // Columns past `n` read column j0 again and are not stored.
                func b(_ j: Int) -> UnsafePointer<Float> { B + (j < n ? j0 + j : j0) * ldb }
                for g in 0..<groups {
                    let rows = min(16, M - 16 * g), c = C + 16 * g * ldc
                    tile12(K: K, At: At + g * K * 16, b0: b(0), b1: b(1), b2: b(2), b3: b(3), b4: b(4), b5: b(5),
                           b6: b(6), b7: b(7), b8: b(8), b9: b(9), b10: b(10), b11: b(11)) { j, v in
                        guard j < n else { return }
                        if accumulate {
                            for i in 0..<rows { c[i * ldc + j0 + j] += v[i] }
                        } else {
                            for i in 0..<rows { c[i * ldc + j0 + j] = v[i] }
                        }
                    }
                }
            }
        }
    }
}

/// Twelve columns of C for 16 rows held as lanes: per k one load of the rows'
/// A[·, k] and twelve B[j, k] broadcast from memory.
@inline(__always)
private func tile12(
    K: Int, At: UnsafePointer<Float>, b0: UnsafePointer<Float>, b1: UnsafePointer<Float>,
    b2: UnsafePointer<Float>, b3: UnsafePointer<Float>, b4: UnsafePointer<Float>, b5: UnsafePointer<Float>,
    b6: UnsafePointer<Float>, b7: UnsafePointer<Float>, b8: UnsafePointer<Float>, b9: UnsafePointer<Float>,
    b10: UnsafePointer<Float>, b11: UnsafePointer<Float>, out: (Int, SIMD16<Float>) -> Void
) {
    typealias V = SIMD16<Float>
    var c0 = V(), c1 = V(), c2 = V(), c3 = V(), c4 = V(), c5 = V()
    var c6 = V(), c7 = V(), c8 = V(), c9 = V(), c10 = V(), c11 = V()
    func step(_ k: Int) {
        let a = load16(At + k * 16)
        c0.addProduct(a, V(repeating: b0[k])); c1.addProduct(a, V(repeating: b1[k]))
        c2.addProduct(a, V(repeating: b2[k])); c3.addProduct(a, V(repeating: b3[k]))
        c4.addProduct(a, V(repeating: b4[k])); c5.addProduct(a, V(repeating: b5[k]))
        c6.addProduct(a, V(repeating: b6[k])); c7.addProduct(a, V(repeating: b7[k]))
        c8.addProduct(a, V(repeating: b8[k])); c9.addProduct(a, V(repeating: b9[k]))
        c10.addProduct(a, V(repeating: b10[k])); c11.addProduct(a, V(repeating: b11[k]))
    }
    for k in 0..<K { step(k) }
    out(0, c0); out(1, c1); out(2, c2); out(3, c3); out(4, c4); out(5, c5)
    out(6, c6); out(7, c7); out(8, c8); out(9, c9); out(10, c10); out(11, c11)
}
