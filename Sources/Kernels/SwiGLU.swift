/// The Llama family's gated MLP activation (Shazeer 2020, "GLU Variants
/// Improve Transformer"): silu(gate) ⊙ up, silu(x) = x·σ(x). Each input row
/// holds [gate (H) | up (H)], so one matmul can make both halves.
public enum SwiGLU {
    /// out (N, H) = silu(gate) · up, from inp (N, 2H).
    public static func forward(out: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>, N: Int, H: Int) {
        GatedRows.forward(Value.self, out: out, inp: inp, N: N, H: H)
    }

    /// dinp (N, 2H) += the gradient of `forward` given dout (N, H):
    /// dgate = dout·up·σ(g)·(1 + g·(1 − σ(g))), dup = dout·silu(g).
    public static func backward(
        dinp: UnsafeMutablePointer<Float>, dout: UnsafePointer<Float>, inp: UnsafePointer<Float>, N: Int, H: Int
    ) {
        GatedRows.backward(GateGradient.self, UpGradient.self, dinp: dinp, dout: dout, inp: inp, N: N, H: H)
    }

    /// silu(gate) · up.
    enum Value: LaneMap {
        @inline(__always)
        static func lanes(_ x: SIMD16<Float>, _ up: SIMD16<Float>, _: SIMD16<Float>, _: SIMD16<Float>) -> SIMD16<Float> {
            x / (1 + exp16(-x)) * up
        }
    }

    /// dgate + dout · up · σ(x)(1 + x(1 − σ(x))).
    enum GateGradient: LaneMap {
        @inline(__always)
        static func lanes(_ dgate: SIMD16<Float>, _ dout: SIMD16<Float>, _ up: SIMD16<Float>, _ x: SIMD16<Float>) -> SIMD16<Float> {
            let s = 1 / (1 + exp16(-x))
            return dgate + dout * up * s * (1 + x * (1 - s))
        }
    }

    /// dup + dout · silu(x).
    enum UpGradient: LaneMap {
        @inline(__always)
        static func lanes(_ dup: SIMD16<Float>, _ dout: SIMD16<Float>, _ x: SIMD16<Float>, _: SIMD16<Float>) -> SIMD16<Float> {
            dup + dout * x / (1 + exp16(-x))
        }
    }
}
