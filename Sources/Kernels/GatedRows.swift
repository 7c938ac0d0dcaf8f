/// The row loops of a gated MLP activation, f(gate) ⊙ up, that SwiGLU and
/// GeGLU share: each input row holds [gate (H) | up (H)], so one matmul makes
/// both halves; the activation itself is the lane maps each passes.
enum GatedRows {
    /// out (N, H) = `Value`(gate, up), from inp (N, 2H).
    @inline(__always)
    static func forward<Value: LaneMap>(_: Value.Type, out: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>, N: Int, H: Int) {
        Parallel.forEach(N, grain: 4) { rows in
            for n in rows {
                let g = inp + n * 2 * H
                Value.map(0..<H, out: out + n * H, g, g + H, g, g)
            }
        }
    }

    /// dinp (N, 2H) += the gradient given dout (N, H): the gate's half by
    /// `Gate`(dgate, dout, up, gate), the up half by `Up`(dup, dout, gate, gate).
    @inline(__always)
    static func backward<Gate: LaneMap, Up: LaneMap>(
        _: Gate.Type, _: Up.Type, dinp: UnsafeMutablePointer<Float>, dout: UnsafePointer<Float>, inp: UnsafePointer<Float>, N: Int, H: Int
    ) {
        Parallel.forEach(N, grain: 4) { rows in
            for n in rows {
                let g = inp + n * 2 * H, d = dout + n * H, dg = dinp + n * 2 * H
                Gate.map(0..<H, out: dg, dg, d, g + H, g)
                Up.map(0..<H, out: dg + H, dg + H, d, g, g)
            }
        }
    }
}
