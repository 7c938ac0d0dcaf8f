/// GELU in GPT-2's tanh form (Hendrycks and Gimpel, 2016; `gelu_new` in
/// Hugging Face): gelu(x) = ½·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))).
public enum GELU {
    @usableFromInline static let k: Float = 0.797_884_56  // √(2/π)
    @usableFromInline static let a: Float = 0.044_715

    /// out (N) = gelu(inp).
    public static func forward(out: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>, N: Int) {
        // The 16-lane body is written inside the closure each thread runs, so it
        // inlines there; a body captured from outside is an indirect call per 16
        // lanes whose SIMD16 travels in four 128-bit registers (measured: GELU
        // was a fifth of a DPO step on the bundled model).
        Parallel.forEach((N + 15) / 16, grain: 1024) { groups in
            lanes(groups.lowerBound * 16..<min(N, groups.upperBound * 16)) { i, load in
                let x = load(inp + i)
                return 0.5 * x * (1 + tanh16(k * (x + a * x * x * x)))
            } store: { v, i, count in store(v, out + i, count) }
        }
    }

    /// dinp += dout · gelu′(inp), with
    /// gelu′(x) = ½(1 + tanh u) + ½x(1 − tanh²u)·√(2/π)(1 + 3·0.044715·x²).
    public static func backward(
        dinp: UnsafeMutablePointer<Float>, dout: UnsafePointer<Float>, inp: UnsafePointer<Float>, N: Int
    ) {
        Parallel.forEach((N + 15) / 16, grain: 1024) { groups in
            lanes(groups.lowerBound * 16..<min(N, groups.upperBound * 16)) { i, load in
                let x = load(inp + i)
                let t = tanh16(k * (x + a * x * x * x))
                let du = k * (1 + 3 * a * x * x)
                let grad = 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * du
                return load(dinp + i) + load(dout + i) * grad
            } store: { v, i, count in store(v, dinp + i, count) }
        }
    }
}

/// Runs a 16-lane `body` over the elements `range` in order on this thread;
/// the last partial group is read through zero-padded lanes and stored partially.
@inlinable @inline(__always)
func lanes(
    _ range: Range<Int>,
    _ body: (Int, (UnsafePointer<Float>) -> SIMD16<Float>) -> SIMD16<Float>,
    store: (SIMD16<Float>, Int, Int) -> Void
) {
    var i = range.lowerBound
    while i + 16 <= range.upperBound { store(body(i, { load16($0) }), i, 16); i += 16 }
    guard i < range.upperBound else { return }
    let count = range.upperBound - i
    store(body(i) { p in
        var v = SIMD16<Float>()
        for j in 0..<count { v[j] = p[j] }
        return v
    }, i, count)
}

/// Stores the first `count` lanes of `v` at `p`.
@inlinable @inline(__always)
func store(_ v: SIMD16<Float>, _ p: UnsafeMutablePointer<Float>, _ count: Int) {
    if count == 16 { store16(v, p) } else { for j in 0..<count { p[j] = v[j] } }
}
