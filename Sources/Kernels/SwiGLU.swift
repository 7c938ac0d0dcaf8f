/// The Llama family's gated MLP activation (Shazeer 2020, "GLU Variants
/// Improve Transformer"): silu(gate) ⊙ up, silu(x) = x·σ(x). Each input row
/// holds [gate (H) | up (H)], so one matmul can make both halves.
public enum SwiGLU {
    /// out (N, H) = silu(gate) · up, from inp (N, 2H).
    public static func forward(out: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>, N: Int, H: Int) {
        Parallel.forEach(N, grain: 4) { rows in
            for n in rows {
                let g = inp + n * 2 * H
                lanes(0..<H) { i, load in
                    let x = load(g + i)
                    return x / (1 + exp16(-x)) * load(g + H + i)
                } store: { v, i, count in store(v, out + n * H + i, count) }
            }
        }
    }

    /// dinp (N, 2H) += the gradient of `forward` given dout (N, H):
    /// dgate = dout·up·σ(g)·(1 + g·(1 − σ(g))), dup = dout·silu(g).
    public static func backward(
        dinp: UnsafeMutablePointer<Float>, dout: UnsafePointer<Float>, inp: UnsafePointer<Float>, N: Int, H: Int
    ) {
        Parallel.forEach(N, grain: 4) { rows in
            for n in rows {
                let g = inp + n * 2 * H, d = dout + n * H, dg = dinp + n * 2 * H
                lanes(0..<H) { i, load in
                    let x = load(g + i), s = 1 / (1 + exp16(-x))
                    return load(dg + i) + load(d + i) * load(g + H + i) * s * (1 + x * (1 - s))
                } store: { v, i, count in store(v, dg + i, count) }
                lanes(0..<H) { i, load in
                    let x = load(g + i)
                    return load(dg + H + i) + load(d + i) * x / (1 + exp16(-x))
                } store: { v, i, count in store(v, dg + H + i, count) }
            }
        }
    }
}
