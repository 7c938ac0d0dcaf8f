import Kernels
import Testing

/// bfloat16 rounding against its definition, and `gemm` with a bfloat16 B
/// against a plain triple loop in Double over the widened values, for every
/// kernel this CPU runs: widened (A as it is), AMX and AVX-512 BF16 (A rounded
/// to bfloat16 first, as they compute).
@Suite(.serialized) struct BFloat16Tests {
    /// Cases worked by hand: bfloat16 keeps 7 fraction bits, so between 1 and 2
    /// its step is 2⁻⁷; halfway cases go to the even pattern.
    @Test func roundsToNearestEven() {
        #expect(BFloat16.bits(1) == 0x3F80)
        #expect(BFloat16.bits(-2) == 0xC000)
        #expect(BFloat16.bits(1 + 0x1p-8) == 0x3F80)  // halfway between 0x3F80 and 0x3F81: to the even 0x3F80
        #expect(BFloat16.bits(1 + 3 * 0x1p-8) == 0x3F82)  // halfway between 0x3F81 and 0x3F82: to the even 0x3F82
        #expect(BFloat16.bits(1 + 0x1p-8 + 0x1p-20) == 0x3F81)  // past halfway: up
        #expect(BFloat16.bits(.greatestFiniteMagnitude) == 0x7F80)  // rounds past bfloat16's largest: infinity
        #expect(BFloat16.bits(-.infinity) == 0xFF80)
        #expect(BFloat16.float(BFloat16.bits(.nan)).isNaN)
        #expect(!BFloat16.isFinite(0x7F80) && !BFloat16.isFinite(0xFFC0) && BFloat16.isFinite(0x7F7F))
    }

    /// For random floats: the pattern is one of the two neighbours, the nearer one, the even one on a tie.
    @Test func roundingPicksTheNearestNeighbour() {
        var rng = Random(seed: 7)
        for _ in 0..<20_000 {
            let x = Float(sign: .plus, exponent: Int(rng.uniform() * 40) - 20, significand: Float((rng.uniform() - 0.5) * 1e3))
            let bits = BFloat16.bits(x)
            let down = UInt16(x.bitPattern >> 16), up = down &+ 1  // the neighbours toward zero and away from it
            #expect(bits == down || bits == up)
            let dDown = abs(Double(x) - Double(BFloat16.float(down))), dUp = abs(Double(x) - Double(BFloat16.float(up)))
            let expected = dDown < dUp ? down : dUp < dDown ? up : (down & 1 == 0 ? down : up)
            #expect(bits == expected, "x \(x)")
        }
    }

    static let kernels = BFloat16Kernel.allCases.filter { $0.runs(on: Machine.cpu) }

    @Test(arguments: [1, 2, 5, 33, 40, 70], kernels)
    func gemmMatchesNaiveProduct(M: Int, kernel: BFloat16Kernel) {
        BFloat16Products.forced = kernel
        defer { BFloat16Products.forced = nil }
        // One row of A (not transposed) streams B widened whatever the kernel; otherwise a native kernel rounds A.
        // (1100, 1000) cuts B into more than one block at every M; (70, 700) for few rows; (37, 31)
        // and (3, 20) leave partial tiles and panels; K = 1 and 2 a single pair.
        for (N, K) in [(70, 33), (70, 700), (1100, 1000), (3, 20), (37, 31), (50, 1), (17, 2)] where M * N * K <= 50_000_000 {
            for transA in [false, true] {
                for transB in [false, true] {
                    for beta: Float in [0, 1] {
                        var rng = Random(seed: UInt64(M * 1000 + N + K))
                        let a = FloatBuffer(count: M * K), c = FloatBuffer(count: M * N)
                        rng.fillNormal(a.pointer, a.count, std: 1)
                        rng.fillNormal(c.pointer, c.count, std: 1)
                        let b = BFloat16Buffer(count: K * N) { p in
                            for i in 0..<(K * N) { p[i] = BFloat16.bits(Float(rng.normal())) }
                        }
                        let before = c.array
                        func run(threads: Int) -> [Float] {
                            Parallel.threads = threads
                            let out = FloatBuffer(before)
                            gemm(transA: transA, transB: transB, M: M, N: N, K: K, alpha: 0.5, A: a.pointer, lda: transA ? M : K,
                                 B: .bfloat16(b.pointer), ldb: transB ? K : N, beta: beta, C: out.pointer, ldc: N)
                            return out.array
                        }
                        let got = run(threads: 2)
                        #expect(got == run(threads: 1), "thread count changed the numbers")
                        var worst = 0.0
                        for i in 0..<M {
                            for j in 0..<N {
                                var s = 0.0
                                for k in 0..<K {
                                    let raw = transA ? a[k * M + i] : a[i * K + k]
                                    let rounds = kernel != .widened && (M > 1 || transA)
                                    let x = rounds ? BFloat16.float(BFloat16.bits(raw)) : raw
                                    let y = BFloat16.float(transB ? b.pointer[j * K + k] : b.pointer[k * N + j])
                                    s += Double(x) * Double(y)
                                }
                                worst = max(worst, abs(0.5 * s + Double(beta) * Double(before[i * N + j]) - Double(got[i * N + j])))
                            }
                        }
                        #expect(worst < 2e-3 * Double(K).squareRoot() / 30,
                                "\(kernel) M \(M) N \(N) K \(K) transA \(transA) transB \(transB) beta \(beta): \(worst)")
                    }
                }
            }
        }
    }

    /// An embedding lookup from bfloat16 tables gives the widened values exactly.
    @Test func embeddingWidensExactly() {
        let V = 7, C = 37, T = 5, N = 9
        var rng = Random(seed: 3)
        let wte = BFloat16Buffer(count: V * C) { p in for i in 0..<(V * C) { p[i] = BFloat16.bits(Float(rng.normal())) } }
        let wpe = BFloat16Buffer(count: T * C) { p in for i in 0..<(T * C) { p[i] = BFloat16.bits(Float(rng.normal())) } }
        let tokens: [Int32] = [0, 6, 3, 3, 1, 2, 5, 4, 0], positions: [Int32] = [0, 1, 2, 3, 4, 0, 1, 2, 3]
        let out = FloatBuffer(count: N * C)
        Embedding.forward(out: out.pointer, tokens: tokens, positions: positions, wte: .bfloat16(wte.pointer),
                          wpe: .bfloat16(wpe.pointer), N: N, C: C)
        for n in 0..<N {
            for c in 0..<C {
                let expected = BFloat16.float(wte.pointer[Int(tokens[n]) * C + c]) + BFloat16.float(wpe.pointer[Int(positions[n]) * C + c])
                #expect(out[n * C + c] == expected)
            }
        }
    }
}
