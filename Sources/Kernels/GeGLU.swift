/// Gemma's gated MLP activation (Shazeer 2020, "GLU Variants Improve
/// Transformer"): gelu(gate) ⊙ up, with GELU in its tanh form
/// (`gelu_pytorch_tanh`, the same function as GPT-2's `gelu_new`). Each input
/// row holds [gate (H) | up (H)], as SwiGLU's does.
public enum GeGLU {
    /// out (N, H) = gelu(gate) · up, from inp (N, 2H).
    public static func forward(out: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>, N: Int, H: Int) {
        GatedRows.forward(Value.self, out: out, inp: inp, N: N, H: H)
    }

    /// dinp (N, 2H) += the gradient of `forward` given dout (N, H):
    /// dgate = dout·up·gelu′(g), dup = dout·gelu(g).
    public static func backward(
        dinp: UnsafeMutablePointer<Float>, dout: UnsafePointer<Float>, inp: UnsafePointer<Float>, N: Int, H: Int
    ) {
        GatedRows.backward(GateGradient.self, UpGradient.self, dinp: dinp, dout: dout, inp: inp, N: N, H: H)
    }

    /// gelu(gate) · up.
    enum Value: LaneMap {
        @inline(__always)
        static func lanes(_ x: SIMD16<Float>, _ up: SIMD16<Float>, _ c: SIMD16<Float>, _ d: SIMD16<Float>) -> SIMD16<Float> {
            GELU.Value.lanes(x, c, c, d) * up
        }
    }

    /// dgate + dout · up · gelu′(x).
    enum GateGradient: LaneMap {
        @inline(__always)
        static func lanes(_ dgate: SIMD16<Float>, _ dout: SIMD16<Float>, _ up: SIMD16<Float>, _ x: SIMD16<Float>) -> SIMD16<Float> {
            GELU.Gradient.lanes(dgate, dout * up, x, x)
        }
    }

    /// dup + dout · gelu(x).
    enum UpGradient: LaneMap {
        @inline(__always)
        static func lanes(_ dup: SIMD16<Float>, _ dout: SIMD16<Float>, _ x: SIMD16<Float>, _: SIMD16<Float>) -> SIMD16<Float> {
            dup + dout * GELU.Value.lanes(x, x, x, x)
        }
    }
}
