/// GELU in GPT-2's tanh form (Hendrycks and Gimpel, 2016; `gelu_new` in
/// Hugging Face): gelu(x) = ½·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))).
public enum GELU {
    static let k: Float = 0.797_884_56  // √(2/π)
    static let a: Float = 0.044_715

    /// out (N) = gelu(inp).
    public static func forward(out: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>, N: Int) {
        Parallel.forEach((N + 15) / 16, grain: 1024) { groups in
            Value.map(groups.lowerBound * 16..<min(N, groups.upperBound * 16), out: out, inp, inp, inp, inp)
        }
    }

    /// dinp += dout · gelu′(inp), with
    /// gelu′(x) = ½(1 + tanh u) + ½x(1 − tanh²u)·√(2/π)(1 + 3·0.044715·x²).
    public static func backward(
        dinp: UnsafeMutablePointer<Float>, dout: UnsafePointer<Float>, inp: UnsafePointer<Float>, N: Int
    ) {
        Parallel.forEach((N + 15) / 16, grain: 1024) { groups in
            Gradient.map(groups.lowerBound * 16..<min(N, groups.upperBound * 16), out: dinp, dinp, dout, inp, inp)
        }
    }

    /// gelu(x).
    enum Value: LaneMap {
        @inline(__always)
        static func lanes(_ x: SIMD16<Float>, _: SIMD16<Float>, _: SIMD16<Float>, _: SIMD16<Float>) -> SIMD16<Float> {
            0.5 * x * (1 + tanh16(k * (x + a * x * x * x)))
        }
    }

    /// dinp + dout · gelu′(x).
    enum Gradient: LaneMap {
        @inline(__always)
        static func lanes(_ dinp: SIMD16<Float>, _ dout: SIMD16<Float>, _ x: SIMD16<Float>, _: SIMD16<Float>) -> SIMD16<Float> {
            let t = tanh16(k * (x + a * x * x * x))
            let du = k * (1 + 3 * a * x * x)
            return dinp + dout * (0.5 * (1 + t) + 0.5 * x * (1 - t * t) * du)
        }
    }
}
