import Foundation
import Kernels
import Testing

@Suite struct OptimizerAndRandomTests {
    @Test func adamWFirstStepsByHand() {
        // Two parameters: one decayed (a matrix entry), one not (a bias).
        var s = AdamWSettings(learningRate: 0.1, weightDecay: 0.5, maxGradNorm: 0)
        s.beta1 = 0.9; s.beta2 = 0.99; s.epsilon = 0
        let adam = AdamW(count: 2, segments: [(0..<1, true), (1..<2, false)], settings: s)
        let params: [Float] = [1, 1], grads: [Float] = [2, -4]
        var p = params
        adam.update(parameters: &p, gradients: grads)
        // Step 1: m̂ = g, v̂ = g², so the Adam step is lr·sign(g).
        // θ₀ = 1·(1 − 0.1·0.5) − 0.1 = 0.85;  θ₁ = 1 + 0.1 = 1.1.
        #expect(abs(p[0] - 0.85) < 1e-6 && abs(p[1] - 1.1) < 1e-6, "\(p)")
        let grads2: [Float] = [1, 1]
        adam.update(parameters: &p, gradients: grads2)
        // Step 2, first parameter: m = 0.9·0.2 + 0.1·1 = 0.28, m̂ = 0.28/0.19;
        // v = 0.99·0.04 + 0.01·1 = 0.0496, v̂ = 0.0496/0.0199.
        let mhat = 0.28 / 0.19, vhat = 0.0496 / 0.0199
        let expected = 0.85 * (1 - 0.05) - 0.1 * mhat / vhat.squareRoot()
        #expect(abs(Double(p[0]) - expected) < 1e-6, "\(p[0]) vs \(expected)")
    }

    @Test func adamWClipsAndRefusesNonFinite() {
        let s = AdamWSettings(learningRate: 1, weightDecay: 0, maxGradNorm: 1)
        let adam = AdamW(count: 2, segments: [(0..<2, false)], settings: s)
        var p: [Float] = [0, 0]
        let bad: [Float] = [.nan, 1]
        let refused = adam.update(parameters: &p, gradients: bad)
        #expect(!refused.applied && p == [0, 0] && adam.step == 0)
        let big: [Float] = [30, 40]
        let step = adam.update(parameters: &p, gradients: big)
        #expect(step.applied && abs(step.gradientNorm - 50) < 1e-4)
        // Clipping scales g to norm 1; Adam's first step is still lr·sign(g).
        #expect(abs(p[0] + 1) < 1e-5 && abs(p[1] + 1) < 1e-5)
        #expect(abs(adam.m[0] - 0.1 * 0.6) < 1e-6, "clipped gradient enters the moments")
    }

    @Test func splitHoldsOutARandomShareInOrder() {
        var rng = Random(seed: 4)
        let items = Array(0..<100)
        let (kept, heldOut) = rng.split(items, heldOut: 10)
        #expect(heldOut.count == 10 && kept.count == 90)
        #expect(kept == kept.sorted() && heldOut == heldOut.sorted(), "each part keeps the original order")
        #expect(Set(kept + heldOut) == Set(items))
        #expect(heldOut != Array(90..<100), "not simply the last share")
    }

    @Test func randomStreamIsFixed() {
        // Expected values from an independent Python implementation of
        // SplitMix64 seeding + xoshiro256** (seed 42).
        var r = Random(seed: 42)
        #expect(r.next() == 0x1578_0b2e_0c2e_c716)
        #expect(r.next() == 0x6104_d986_6d11_3a7e)
        #expect(r.next() == 0xae17_5332_39e4_99a1)
    }

    @Test func normalsHaveUnitVariance() {
        var r = Random(seed: 1)
        let xs = (0..<20000).map { _ in r.normal() }
        let mean = xs.reduce(0, +) / Double(xs.count)
        let variance = xs.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(xs.count)
        #expect(abs(mean) < 0.03 && abs(variance - 1) < 0.05, "mean \(mean) variance \(variance)")
    }

    @Test func portableLogMatchesLibm() {
        for x in [1e-300, 0.001, 0.5, 1, 1.5, 2, 3.14159, 1e10, 7e300] {
            #expect(abs(portableLog(x) - log(x)) <= 4 * abs(log(x)).ulp + 1e-300, "log \(x)")
        }
    }

    @Test func exp16IsAccurate() {
        var worst: Float = 0
        var x: Float = -80
        while x < 80 {
            let v = exp16(SIMD16(repeating: x))[0]
            worst = max(worst, abs(v - Foundation.exp(x)) / Foundation.exp(x))
            x += 0.37
        }
        #expect(worst < 5e-7, "exp16 max relative error \(worst)")
    }

    @Test func resultsDoNotDependOnThreadCount() {
        var g = GradientCheck()
        let (N, C) = (64, 48)
        let inp = g.buffer(N * C), weight = g.buffer(C), bias = g.buffer(C), dout = g.buffer(N * C)
        func run(threads: Int) -> [Float] {
            Parallel.threads = threads
            defer { Parallel.threads = 2 }
            let out = FloatBuffer(count: N * C), mean = FloatBuffer(count: N), rstd = FloatBuffer(count: N)
            LayerNorm.forward(out: out.pointer, mean: mean.pointer, rstd: rstd.pointer, inp: inp.pointer,
                              weight: weight.pointer, bias: bias.pointer, N: N, C: C)
            let dinp = FloatBuffer(count: N * C), dw = FloatBuffer(count: C), db = FloatBuffer(count: C)
            LayerNorm.backward(dinp: dinp.pointer, dweight: dw.pointer, dbias: db.pointer, dout: dout.pointer,
                               inp: inp.pointer, weight: weight.pointer, mean: mean.pointer, rstd: rstd.pointer, N: N, C: C)
            return out.array + dinp.array + dw.array + db.array + [l2Norm(dinp.pointer, N * C)]
        }
        #expect(run(threads: 1) == run(threads: 2))
    }
}

@Suite struct NonFiniteTests {
    @Test func softmaxAndLogSumExpDoNotHideNaN() {
        for bad in [[1, Float.nan, 3], [Float.nan], Array(repeating: 0, count: 20) + [Float.nan]] {
            var row = bad
            #expect(logSumExp(row, row.count).isNaN)
            softmaxInPlace(&row, row.count)
            #expect(row.allSatisfy { $0.isNaN })
        }
        let allMinusInfinity = [Float](repeating: -.infinity, count: 5)
        #expect(logSumExp(allMinusInfinity, 5) == -.infinity)
        var plusInfinity: [Float] = [0, .infinity, 1]
        #expect(logSumExp(plusInfinity, 3).isNaN)
        softmaxInPlace(&plusInfinity, 3)
        #expect(plusInfinity.allSatisfy { $0.isNaN })
        let big: [Float] = (0..<37).map { Float($0) * 3 }
        #expect(maximum(big, 37) == 108 && !logSumExp(big, 37).isNaN)
    }
}
