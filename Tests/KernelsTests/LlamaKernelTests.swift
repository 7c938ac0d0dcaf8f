import Foundation
import Kernels
import Testing

/// The Llama family's kernels: RMSNorm, SwiGLU, rotary embeddings and grouped
/// query attention, each forward against a formula computed independently and
/// each backward against finite differences.
@Suite struct LlamaKernelTests {
    init() { Parallel.threads = 2 }

    @Test func rmsNorm() {
        var g = GradientCheck()
        let (N, C, eps) = (7, 37, Float(1e-6))
        let inp = g.buffer(N * C, std: 2), weight = g.buffer(C), w = g.buffer(N * C)
        let out = FloatBuffer(count: N * C), rstd = FloatBuffer(count: N)
        func loss() -> Double {
            RMSNorm.forward(out: out.pointer, rstd: rstd.pointer, inp: inp.pointer, weight: weight.pointer,
                            epsilon: eps, N: N, C: C)
            return weightedSum(out.pointer, w)
        }
        _ = loss()
        // x / √(mean x² + ε) · weight, in Double.
        var worst = 0.0
        for n in 0..<N {
            let ms = (0..<C).map { Double(inp[n * C + $0]) * Double(inp[n * C + $0]) }.reduce(0, +) / Double(C)
            for c in 0..<C {
                let ref = Double(inp[n * C + c]) / (ms + Double(eps)).squareRoot() * Double(weight[c])
                worst = max(worst, abs(ref - Double(out[n * C + c])))
            }
        }
        #expect(worst < 1e-5, "rmsnorm max abs diff \(worst)")
        let dinp = FloatBuffer(count: N * C), dweight = FloatBuffer(count: C)
        RMSNorm.backward(dinp: dinp.pointer, dweight: dweight.pointer, dout: w.pointer, inp: inp.pointer,
                         weight: weight.pointer, rstd: rstd.pointer, N: N, C: C)
        GradientCheck.compare("rmsnorm inp", input: inp, analytic: dinp, epsilon: 1e-3, loss: loss)
        GradientCheck.compare("rmsnorm weight", input: weight, analytic: dweight, loss: loss)
    }

    @Test(arguments: [5, 40])  // a partial SIMD group alone, and two whole groups plus a partial one
    func swiGLU(H: Int) {
        var g = GradientCheck()
        let N = 3
        let inp = g.buffer(N * 2 * H, std: 2), w = g.buffer(N * H)
        let out = FloatBuffer(count: N * H)
        func loss() -> Double {
            SwiGLU.forward(out: out.pointer, inp: inp.pointer, N: N, H: H)
            return weightedSum(out.pointer, w)
        }
        _ = loss()
        var worst = 0.0
        for n in 0..<N {
            for i in 0..<H {
                let gate = Double(inp[n * 2 * H + i]), up = Double(inp[n * 2 * H + H + i])
                worst = max(worst, abs(gate / (1 + exp(-gate)) * up - Double(out[n * H + i])))
            }
        }
        #expect(worst < 1e-5, "swiglu max abs diff \(worst)")
        let dinp = FloatBuffer(count: N * 2 * H)
        SwiGLU.backward(dinp: dinp.pointer, dout: w.pointer, inp: inp.pointer, N: N, H: H)
        GradientCheck.compare("swiglu", input: inp, analytic: dinp, samples: N * 2 * H, epsilon: 1e-3, loss: loss)
    }

    /// Against numpy's rotation in Hugging Face's rotate_half layout
    /// (Fixtures/rope_reference.py): 3 rows at positions 0, 3, 7, 2 heads of 8, θ = 10⁴.
    @Test func ropeAgainstNumpy() {
        let expected: [Float] = [
            0.0998334, 0.4528863, 0.7446431, 0.9356160, 0.9999576, 0.9289597, 0.7322314, 0.4363991, 0.0815022,
            -0.2844257, -0.6118579, -0.8564780, -0.9851778, -0.9805384, -0.8431877, -0.5917156, 0.1251834,
            -0.1936323, 0.4309567, 0.7469883, -0.9653264, 0.9867198, 0.9397651, 0.7298175, -0.3045919, 0.3628502,
            -0.2614504, -0.6147126, 0.9120874, -0.9201934, -0.9874644, -0.8413524, -0.9370953, -0.7997260,
            0.0431827, 0.4585173, 0.1830632, 0.5558568, 1.0052215, 0.9270605, 0.9540094, 0.8806055, 0.1368079,
            -0.2906137, 0.0055580, -0.3871804, -0.9802561, -0.9798298,
        ]
        // Laid out as a fused row [q (2 heads) | something else (3)] to exercise stride and column.
        let (N, heads, hs, stride, column) = (3, 2, 8, 19, 0)
        let x = FloatBuffer(count: N * stride)
        for n in 0..<N {
            for j in 0..<(heads * hs) { x[n * stride + column + j] = Float(sin(Double(n * heads * hs + j) * 0.37 + 0.1)) }
            for j in (heads * hs)..<stride { x[n * stride + j] = 42 }
        }
        let f = RoPE.frequencies(headSize: hs, theta: 10_000)
        let positions: [Int32] = [0, 3, 7]
        f.withUnsafeBufferPointer { fp in
            RoPE.rotate(x.pointer, stride: stride, column: column, heads: heads, headSize: hs,
                        positions: positions, frequencies: fp.baseAddress!, N: N)
        }
        var worst: Float = 0
        for n in 0..<N {
            for j in 0..<(heads * hs) { worst = max(worst, abs(x[n * stride + j] - expected[n * heads * hs + j])) }
            for j in (heads * hs)..<stride { #expect(x[n * stride + j] == 42, "a column outside the heads moved") }
        }
        #expect(worst < 2e-6, "rope max abs diff \(worst)")
    }

    /// Llama 3.1's rescaled frequencies (factor 8, low 1, high 4, original
    /// context 8192, θ = 5·10⁵, hs 64) against numpy: one index kept, one
    /// blended, one divided by the factor, and the ends.
    @Test func llama3Frequencies() {
        let f = RoPE.frequencies(headSize: 64, theta: 500_000,
                                 llama3: .init(factor: 8, lowFrequencyFactor: 1, highFrequencyFactor: 4, originalContext: 8192))
        let expected: [(Int, Float)] = [(0, 1.0), (8, 3.760603070e-02), (12, 7.292665076e-03), (16, 5.248460802e-04),
                                        (20, 3.428102355e-05), (31, 3.767322596e-07)]
        for (i, value) in expected { #expect(abs(f[i] - value) <= 1e-6 * value, "frequency \(i): \(f[i]) against \(value)") }
    }

    /// The rotation's backward is the inverse rotation of the gradient.
    @Test func ropeGradient() {
        var g = GradientCheck()
        let (N, heads, hs) = (4, 3, 6)
        let inp = g.buffer(N * heads * hs), w = g.buffer(N * heads * hs)
        let out = FloatBuffer(count: N * heads * hs)
        let f = RoPE.frequencies(headSize: hs, theta: 100)
        let positions: [Int32] = [0, 1, 5, 11]
        func rotate(_ b: FloatBuffer, inverse: Bool) {
            f.withUnsafeBufferPointer { fp in
                RoPE.rotate(b.pointer, stride: heads * hs, column: 0, heads: heads, headSize: hs, positions: positions,
                            frequencies: fp.baseAddress!, N: N, inverse: inverse)
            }
        }
        func loss() -> Double {
            out.copy(from: inp)
            rotate(out, inverse: false)
            return weightedSum(out.pointer, w)
        }
        let dinp = FloatBuffer(count: N * heads * hs)
        dinp.copy(from: w)
        rotate(dinp, inverse: true)
        GradientCheck.compare("rope", input: inp, analytic: dinp, samples: N * heads * hs, epsilon: 1e-3, loss: loss)
        // Forward then inverse gives the input back.
        _ = loss()
        rotate(out, inverse: true)
        for i in 0..<(N * heads * hs) { #expect(abs(out[i] - inp[i]) < 1e-5) }
    }

    @Test(arguments: [(2, 5, 24, 6, 2), (1, 7, 16, 4, 1), (2, 3, 16, 4, 4)])
    func groupedQueryAttention(shape: (Int, Int, Int, Int, Int)) {
        var g = GradientCheck()
        let (B, T, C, NH, NKV) = shape
        let hs = C / NH, row = C + 2 * NKV * hs
        let inp = g.buffer(B * T * row), w = g.buffer(B * T * C)
        let out = FloatBuffer(count: B * T * C), att = FloatBuffer(count: B * NH * T * T)
        func loss() -> Double {
            Attention.forward(out: out.pointer, att: att.pointer, inp: inp.pointer, B: B, T: T, shape: AttentionShape(heads: NH, kvHeads: NKV, headSize: C / NH))
            return weightedSum(out.pointer, w)
        }
        _ = loss()
        // The same as multi-head attention with each key/value head repeated for its group.
        let wide = FloatBuffer(count: B * T * 3 * C), wideOut = FloatBuffer(count: B * T * C)
        let group = NH / NKV
        for r in 0..<(B * T) {
            for c in 0..<C { wide[r * 3 * C + c] = inp[r * row + c] }
            for h in 0..<NH {
                for i in 0..<hs {
                    wide[r * 3 * C + C + h * hs + i] = inp[r * row + C + (h / group) * hs + i]
                    wide[r * 3 * C + 2 * C + h * hs + i] = inp[r * row + C + NKV * hs + (h / group) * hs + i]
                }
            }
        }
        let wideAtt = FloatBuffer(count: B * NH * T * T)
        Attention.forward(out: wideOut.pointer, att: wideAtt.pointer, inp: wide.pointer, B: B, T: T, shape: AttentionShape(heads: NH, headSize: C / NH))
        for i in 0..<(B * T * C) { #expect(abs(out[i] - wideOut[i]) < 1e-5, "output \(i)") }
        let dinp = FloatBuffer(count: B * T * row), scratch = FloatBuffer(count: B * NH * T * T)
        Attention.backward(dinp: dinp.pointer, dout: w.pointer, inp: inp.pointer, att: att.pointer,
                           scratch: scratch.pointer, B: B, T: T, shape: AttentionShape(heads: NH, kvHeads: NKV, headSize: C / NH))
        GradientCheck.compare("gqa", input: inp, analytic: dinp, samples: 120, epsilon: 1e-3, loss: loss)
    }
}
