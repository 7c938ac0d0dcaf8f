import Kernels
import Testing

/// `gemm` against a plain triple loop in Double, across its three paths
/// (one row through sgemv, few rows through the small kernels, many through
/// sgemm) and every transpose and beta.
@Suite struct GemmTests {
    @Test(arguments: [1, 2, 3, 5, 16, 33, 70], [false, true])
    func matchesNaiveProduct(M: Int, transB: Bool) {
        Parallel.threads = 2
        for (N, K) in [(70, 33), (128, 64), (64, 48), (3, 20)] {
            for transA in [false, true] {
                for beta: Float in [0, 1] {
                    var rng = Random(seed: UInt64(M * 1000 + N + K))
                    let a = FloatBuffer(count: M * K), b = FloatBuffer(count: K * N), c = FloatBuffer(count: M * N)
                    rng.fillNormal(a.pointer, a.count, std: 1)
                    rng.fillNormal(b.pointer, b.count, std: 1)
                    rng.fillNormal(c.pointer, c.count, std: 1)
                    let before = c.array
                    gemm(transA: transA, transB: transB, M: M, N: N, K: K, A: a.pointer, lda: transA ? M : K,
                         B: b.pointer, ldb: transB ? K : N, beta: beta, C: c.pointer, ldc: N)
                    var worst = 0.0
                    for i in 0..<M {
                        for j in 0..<N {
                            var s = Double(beta) * Double(before[i * N + j])
                            for k in 0..<K {
                                let x = transA ? a[k * M + i] : a[i * K + k]
                                let y = transB ? b[j * K + k] : b[k * N + j]
                                s += Double(x) * Double(y)
                            }
                            worst = max(worst, abs(s - Double(c[i * N + j])))
                        }
                    }
                    #expect(worst < 1e-4, "M \(M) N \(N) K \(K) transA \(transA) transB \(transB) beta \(beta): \(worst)")
                }
            }
        }
    }
}
