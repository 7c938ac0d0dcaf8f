import Foundation
import Kernels
import Testing

@Suite struct KernelGradientTests {
    init() { Parallel.threads = 2 }

    @Test(arguments: [true, false])
    func matmul(withBias: Bool) {
        var g = GradientCheck()
        let (N, C, OC) = (37, 19, 23)  // odd sizes exercise the split into chunks
        let inp = g.buffer(N * C), weight = g.buffer(C * OC), bias = g.buffer(OC), w = g.buffer(N * OC)
        let out = FloatBuffer(count: N * OC)
        func loss() -> Double {
            Matmul.forward(out: out.pointer, inp: inp.pointer, weight: weight.pointer,
                           bias: withBias ? bias.pointer : nil, N: N, C: C, OC: OC)
            return weightedSum(out.pointer, w)
        }
        let dinp = FloatBuffer(count: N * C), dweight = FloatBuffer(count: C * OC), dbias = FloatBuffer(count: OC)
        _ = loss()
        Matmul.backward(dinp: dinp.pointer, dweight: dweight.pointer, dbias: withBias ? dbias.pointer : nil,
                        dout: w.pointer, inp: inp.pointer, weight: weight.pointer, N: N, C: C, OC: OC)
        GradientCheck.compare("matmul inp", input: inp, analytic: dinp, loss: loss)
        GradientCheck.compare("matmul weight", input: weight, analytic: dweight, loss: loss)
        if withBias { GradientCheck.compare("matmul bias", input: bias, analytic: dbias, loss: loss) }
    }

    @Test func matmulMatchesNaiveProduct() {
        var g = GradientCheck()
        let (N, C, OC) = (5, 7, 3)
        let inp = g.buffer(N * C), weight = g.buffer(C * OC), bias = g.buffer(OC)
        let out = FloatBuffer(count: N * OC)
        Matmul.forward(out: out.pointer, inp: inp.pointer, weight: weight.pointer, bias: bias.pointer, N: N, C: C, OC: OC)
        var worst: Float = 0
        for n in 0..<N {
            for o in 0..<OC {
                var s = bias[o]
                for c in 0..<C { s += inp[n * C + c] * weight[c * OC + o] }
                worst = max(worst, abs(s - out[n * OC + o]))
            }
        }
        #expect(worst < 1e-5)
    }

    @Test func embedding() {
        var g = GradientCheck()
        let (N, C, V, TMax) = (12, 8, 5, 6)
        let wte = g.buffer(V * C), wpe = g.buffer(TMax * C), w = g.buffer(N * C)
        let tokens: [Int32] = [0, 1, 2, 3, 4, 0, 1, 1, 3, 3, 3, 2]  // repeats: gradients must accumulate
        let positions: [Int32] = [0, 1, 2, 3, 4, 5, 0, 1, 2, 3, 4, 5]
        let out = FloatBuffer(count: N * C)
        func loss() -> Double {
            Embedding.forward(out: out.pointer, tokens: tokens, positions: positions,
                              wte: .float(wte.pointer), wpe: .float(wpe.pointer), N: N, C: C)
            return weightedSum(out.pointer, w)
        }
        let dwte = FloatBuffer(count: V * C), dwpe = FloatBuffer(count: TMax * C)
        Embedding.backward(dwte: dwte.pointer, dwpe: dwpe.pointer, dout: w.pointer, tokens: tokens,
                           positions: positions, N: N, C: C)
        GradientCheck.compare("embedding wte", input: wte, analytic: dwte, samples: V * C, loss: loss)
        GradientCheck.compare("embedding wpe", input: wpe, analytic: dwpe, samples: TMax * C, loss: loss)
    }

    @Test func layerNorm() {
        var g = GradientCheck()
        let (N, C) = (9, 33)
        let inp = g.buffer(N * C, std: 2), weight = g.buffer(C), bias = g.buffer(C), w = g.buffer(N * C)
        let out = FloatBuffer(count: N * C), mean = FloatBuffer(count: N), rstd = FloatBuffer(count: N)
        func loss() -> Double {
            LayerNorm.forward(out: out.pointer, mean: mean.pointer, rstd: rstd.pointer, inp: inp.pointer,
                              weight: weight.pointer, bias: bias.pointer, N: N, C: C)
            return weightedSum(out.pointer, w)
        }
        _ = loss()
        let dinp = FloatBuffer(count: N * C), dweight = FloatBuffer(count: C), dbias = FloatBuffer(count: C)
        LayerNorm.backward(dinp: dinp.pointer, dweight: dweight.pointer, dbias: dbias.pointer, dout: w.pointer,
                           inp: inp.pointer, weight: weight.pointer, mean: mean.pointer, rstd: rstd.pointer, N: N, C: C)
        GradientCheck.compare("layernorm inp", input: inp, analytic: dinp, epsilon: 1e-3, loss: loss)
        GradientCheck.compare("layernorm weight", input: weight, analytic: dweight, loss: loss)
        GradientCheck.compare("layernorm bias", input: bias, analytic: dbias, loss: loss)
        // Each normalised row has mean 0 and variance 1 before the affine part.
        var m = 0.0
        for c in 0..<C { m += Double(inp[c] - mean[0]) * Double(rstd[0]) }
        #expect(abs(m) < 1e-4)
    }

    @Test func gelu() {
        var g = GradientCheck()
        let N = 53  // not a multiple of 16: the partial SIMD group is checked too
        let inp = g.buffer(N, std: 2), w = g.buffer(N)
        let out = FloatBuffer(count: N)
        func loss() -> Double {
            GELU.forward(out: out.pointer, inp: inp.pointer, N: N)
            return weightedSum(out.pointer, w)
        }
        _ = loss()
        // Against GPT-2's formula evaluated in Double with libm's tanh.
        var worst = 0.0
        for i in 0..<N {
            let x = Double(inp[i])
            let ref = 0.5 * x * (1 + tanh(0.7978845608028654 * (x + 0.044715 * x * x * x)))
            worst = max(worst, abs(ref - Double(out[i])))
        }
        #expect(worst < 1e-6, "gelu max abs diff \(worst)")
        let dinp = FloatBuffer(count: N)
        GELU.backward(dinp: dinp.pointer, dout: w.pointer, inp: inp.pointer, N: N)
        GradientCheck.compare("gelu", input: inp, analytic: dinp, samples: N, epsilon: 1e-3, loss: loss)
    }

    @Test func residual() {
        var g = GradientCheck()
        let N = 20
        let a = g.buffer(N), b = g.buffer(N), w = g.buffer(N), out = FloatBuffer(count: N)
        func loss() -> Double {
            Residual.forward(out: out.pointer, a: a.pointer, b: b.pointer, N: N)
            return weightedSum(out.pointer, w)
        }
        let da = FloatBuffer(count: N), db = FloatBuffer(count: N)
        Residual.backward(da: da.pointer, db: db.pointer, dout: w.pointer, N: N)
        GradientCheck.compare("residual a", input: a, analytic: da, loss: loss)
        GradientCheck.compare("residual b", input: b, analytic: db, loss: loss)
    }

    @Test(arguments: [(2, 5, 8, 2), (3, 17, 48, 3), (1, 4, 32, 1)])
    func attention(shape: (Int, Int, Int, Int)) {
        var g = GradientCheck()
        let (B, T, C, NH) = shape
        let inp = g.buffer(B * T * 3 * C), w = g.buffer(B * T * C)
        let out = FloatBuffer(count: B * T * C), att = FloatBuffer(count: B * NH * T * T)
        func loss() -> Double {
            Attention.forward(out: out.pointer, att: att.pointer, inp: inp.pointer, B: B, T: T, shape: AttentionShape(heads: NH, headSize: C / NH))
            return weightedSum(out.pointer, w)
        }
        _ = loss()
        let dinp = FloatBuffer(count: B * T * 3 * C)
        let scratch = FloatBuffer(count: B * NH * T * T)
        Attention.backward(dinp: dinp.pointer, dout: w.pointer, inp: inp.pointer, att: att.pointer,
                           scratch: scratch.pointer, B: B, T: T, shape: AttentionShape(heads: NH, headSize: C / NH))
        GradientCheck.compare("attention", input: inp, analytic: dinp, samples: 96, epsilon: 1e-3, loss: loss)
        // Causality: the first position attends only to itself, so its output is its own v.
        let hs = C / NH
        for c in 0..<C { #expect(abs(out[c] - inp[2 * C + c]) < 1e-5, "position 0 head \(c / hs)") }
    }

    @Test func tokenLogProb() {
        var g = GradientCheck()
        let (N, V) = (6, 37)
        let logits = g.buffer(N * V, std: 3), dlogp = g.buffer(N)
        let targets: [Int32] = [0, 36, 5, 5, 17, 1]
        let logp = FloatBuffer(count: N), lse = FloatBuffer(count: N)
        func loss() -> Double {
            TokenLogProb.forward(logp: logp.pointer, lse: lse.pointer, logits: logits.pointer,
                                 targets: targets, N: N, V: V)
            return weightedSum(logp.pointer, dlogp)
        }
        _ = loss()
        // Against log-softmax computed in Double with libm.
        for n in 0..<N {
            let row = (0..<V).map { Double(logits[n * V + $0]) }
            let m = row.max()!
            let ref = row[Int(targets[n])] - (m + log(row.map { exp($0 - m) }.reduce(0, +)))
            #expect(abs(ref - Double(logp[n])) < 1e-5, "row \(n): \(logp[n]) vs \(ref)")
        }
        let dlogits = FloatBuffer(count: N * V)
        TokenLogProb.backward(dlogits: dlogits.pointer, dlogp: dlogp.pointer, logits: logits.pointer,
                              lse: lse.pointer, targets: targets, N: N, V: V)
        GradientCheck.compare("token logprob", input: logits, analytic: dlogits, samples: 120, loss: loss)
    }

    @Test func crossEntropyByHand() {
        // Two positions over a vocabulary of 2: logits (0, 0) and (ln 3, 0).
        // −log p = ln 2 and −log(3/4) = ln 4 − ln 3; weights 1/2 and 0 (masked).
        let logits: [Float] = [0, 0, Float(log(3.0)), 0]
        let targets: [Int32] = [1, 0], weights: [Float] = [0.5, 0]
        let logp = FloatBuffer(count: 2), lse = FloatBuffer(count: 2), scratch = FloatBuffer(count: 2)
        let loss = CrossEntropy.forward(logp: logp.pointer, lse: lse.pointer, logits: logits, targets: targets,
                                        weights: weights, N: 2, V: 2)
        #expect(abs(loss - Float(0.5 * log(2.0))) < 1e-6)
        #expect(abs(-logp[1] - Float(log(4.0) - log(3.0))) < 1e-6)
        let dlogits = FloatBuffer(count: 4)
        CrossEntropy.backward(dlogits: dlogits.pointer, scratch: scratch.pointer, logits: logits, lse: lse.pointer,
                              targets: targets, weights: weights, N: 2, V: 2)
        // d/dlogit = w·(p − onehot): (0.5·0.5, 0.5·(0.5 − 1)) and zeros for the masked row.
        #expect(dlogits.array.map { abs($0) < 1e-7 ? 0 : $0 } == [0.25, -0.25, 0, 0])
    }

    @Test func labelSmoothedCrossEntropyAgainstNumpy() {
        // python3 with numpy: L = [[0.5, -1, 2], [1.5, 0, -0.5]], targets (2, 0), w (1/4, 3/4), ε 0.2;
        // lp = L − logsumexp(L); loss = Σ w·((1−ε)(−lp[t]) + ε·mean(−lp)); grad = w·(p − (1−ε)·onehot − ε/3).
        let logits: [Float] = [0.5, -1, 2, 1.5, 0, -0.5]
        let targets: [Int32] = [2, 0], weights: [Float] = [0.25, 0.75]
        let logp = FloatBuffer(count: 2), lse = FloatBuffer(count: 2), scratch = FloatBuffer(count: 2)
        let loss = CrossEntropy.forward(logp: logp.pointer, lse: lse.pointer, logits: logits, targets: targets,
                                        weights: weights, smoothing: 0.2, N: 2, V: 3)
        #expect(abs(Double(loss) - 0.5400946083361492) < 1e-6)
        let dlogits = FloatBuffer(count: 6)
        CrossEntropy.backward(dlogits: dlogits.pointer, scratch: scratch.pointer, logits: logits, lse: lse.pointer,
                              targets: targets, weights: weights, smoothing: 0.2, N: 2, V: 3)
        let numpy = [0.0271559313683425, -0.006888523348994804, -0.020267408019347736,
                     -0.0979064567655546, 0.07318872071881587, 0.024717736046738725]
        for (a, b) in zip(dlogits.array, numpy) { #expect(abs(Double(a) - b) < 1e-6) }
    }

    @Test func labelSmoothedCrossEntropyGradient() {
        var g = GradientCheck()
        let (N, V) = (5, 37)  // V not a multiple of 16: the scalar tail runs too
        let logits = g.buffer(N * V, std: 2)
        let targets: [Int32] = [0, 36, 5, 17, 1], weights: [Float] = [0.5, 0, 0.25, 1, 0.125]
        let logp = FloatBuffer(count: N), lse = FloatBuffer(count: N), scratch = FloatBuffer(count: N)
        func loss() -> Double {
            Double(CrossEntropy.forward(logp: logp.pointer, lse: lse.pointer, logits: logits.pointer, targets: targets,
                                        weights: weights, smoothing: 0.3, N: N, V: V))
        }
        _ = loss()
        let dlogits = FloatBuffer(count: N * V)
        CrossEntropy.backward(dlogits: dlogits.pointer, scratch: scratch.pointer, logits: logits.pointer, lse: lse.pointer,
                              targets: targets, weights: weights, smoothing: 0.3, dloss: 2, N: N, V: V)
        for i in 0..<(N * V) { dlogits[i] /= 2 }
        GradientCheck.compare("label-smoothed cross-entropy", input: logits, analytic: dlogits, samples: N * V, loss: loss)
        // The masked row (weight 0) gets no gradient at all.
        #expect((V..<(2 * V)).allSatisfy { dlogits[$0] == 0 })
    }

    @Test func scalarHead() {
        var g = GradientCheck()
        let (B, T, C) = (3, 4, 10)
        let hidden = g.buffer(B * T * C), weight = g.buffer(C), w = g.buffer(B)
        let positions: [Int32] = [3, 0, 2]
        let values = FloatBuffer(count: B)
        func loss() -> Double {
            ScalarHead.forward(values: values.pointer, hidden: hidden.pointer, positions: positions,
                               weight: weight.pointer, B: B, T: T, C: C)
            return weightedSum(values.pointer, w)
        }
        let dhidden = FloatBuffer(count: B * T * C), dweight = FloatBuffer(count: C)
        ScalarHead.backward(dhidden: dhidden.pointer, dweight: dweight.pointer, dvalues: w.pointer,
                            hidden: hidden.pointer, positions: positions, weight: weight.pointer, B: B, T: T, C: C)
        GradientCheck.compare("scalar head hidden", input: hidden, analytic: dhidden, samples: B * T * C, loss: loss)
        GradientCheck.compare("scalar head weight", input: weight, analytic: dweight, samples: C, loss: loss)
    }
}
