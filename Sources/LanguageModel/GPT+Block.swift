import Kernels

/// Where one transformer block reads and writes its N rows. The full pass
/// keeps every tensor for the backward (its own buffers per layer); the
/// cached pass reuses one set of scratch rows, so there `input`, `afterAttention`
/// and `output` are the same buffer, updated in place, as are the norms'.
/// Tensors a family does not use point at others (`qkvRaw` at `qkv` without a
/// q/k norm; `attentionOutput` and `mlpOutput` at scratch without norms after).
struct BlockTensors {
    var input: UnsafeMutablePointer<Float>
    var ln1: UnsafeMutablePointer<Float>, ln1Mean: UnsafeMutablePointer<Float>, ln1Rstd: UnsafeMutablePointer<Float>
    /// The q, k, v projection before the q/k norm, and the norm's rstd.
    var qkvRaw: UnsafeMutablePointer<Float>, qkRstd: UnsafeMutablePointer<Float>
    var qkv: UnsafeMutablePointer<Float>
    var atty: UnsafeMutablePointer<Float>
    /// The attention's and the MLP's output projections, before a norm after them.
    var attentionOutput: UnsafeMutablePointer<Float>, post1Rstd: UnsafeMutablePointer<Float>
    var mlpOutput: UnsafeMutablePointer<Float>, post2Rstd: UnsafeMutablePointer<Float>
    /// Scratch for a norm-after's output, added into the residual stream at once.
    var normed: UnsafeMutablePointer<Float>
    var afterAttention: UnsafeMutablePointer<Float>
    var ln2: UnsafeMutablePointer<Float>, ln2Mean: UnsafeMutablePointer<Float>, ln2Rstd: UnsafeMutablePointer<Float>
    var fch: UnsafeMutablePointer<Float>, activated: UnsafeMutablePointer<Float>
    var output: UnsafeMutablePointer<Float>
    var N: Int
    /// Whether LoRA keeps its intermediates for a backward pass.
    var keepsAdapterInputs: Bool
}

extension GPT {
    /// Block `l` of the transformer, the one function the full and the cached
    /// forward share, in the form `Architecture` gives: each sublayer's norm
    /// before it, after it or both, q/k norms, rotary positions on the layers
    /// that have them, a plain or gated MLP. `attend` reads the rotated q, k, v
    /// rows and writes the attention's output into `t.atty`: causal over the
    /// batch's own rows, or over a KV cache.
    func block(_ l: Int, _ t: BlockTensors, positions: UnsafePointer<Int32>, attend: (BlockTensors) -> Void) {
        let C = config.width, A = config.attentionWidth, N = t.N, QKV = config.qkvWidth, keep = t.keepsAdapterInputs
        let w = weights(l)
        let x1 = normBefore(w.norm1w, w.norm1b, out: t.ln1, mean: t.ln1Mean, rstd: t.ln1Rstd, inp: t.input, N: N)
        Matmul.forward(out: t.qkvRaw, inp: x1, weight: w.qkvw, bias: w.qkvb, N: N, C: C, OC: QKV, outIn: outIn)
        adapt(.qkv, layer: l, out: t.qkvRaw, outputs: QKV, inp: x1, N: N, keep: keep)
        if let q = w.qNorm, let k = w.kNorm { qkNorm(t.qkv, raw: t.qkvRaw, rstd: t.qkRstd, qWeight: q, kWeight: k, N: N) }
        rotate(t.qkv, layer: l, positions: positions, N: N)
        attend(t)
        Matmul.forward(out: t.attentionOutput, inp: t.atty, weight: w.projw, bias: w.projb, N: N, C: A, OC: C, outIn: outIn)
        adapt(.attentionOutput, layer: l, out: t.attentionOutput, outputs: C, inp: t.atty, N: N, keep: keep)
        let o = normAfter(w.post1w, inp: t.attentionOutput, rstd: t.post1Rstd, out: t.normed, N: N)
        Residual.forward(out: t.afterAttention, a: t.input, b: o, N: N * C)
        let x2 = normBefore(w.norm2w, w.norm2b, out: t.ln2, mean: t.ln2Mean, rstd: t.ln2Rstd, inp: t.afterAttention, N: N)
        Matmul.forward(out: t.fch, inp: x2, weight: w.fcw, bias: w.fcb, N: N, C: C, OC: config.fcWidth, outIn: outIn)
        adapt(.mlpIn, layer: l, out: t.fch, outputs: config.fcWidth, inp: x2, N: N, keep: keep)
        activation(out: t.activated, inp: t.fch, N: N)
        Matmul.forward(out: t.mlpOutput, inp: t.activated, weight: w.fcprojw, bias: w.fcprojb, N: N, C: config.hidden, OC: C,
                       outIn: outIn)
        adapt(.mlpOut, layer: l, out: t.mlpOutput, outputs: C, inp: t.activated, N: N, keep: keep)
        let f = normAfter(w.post2w, inp: t.mlpOutput, rstd: t.post2Rstd, out: t.normed, N: N)
        Residual.forward(out: t.output, a: t.afterAttention, b: f, N: N * C)
    }

    /// A sublayer's input: the norm of `inp` into `out` when the family norms before it, else `inp` itself.
    private func normBefore(_ weight: UnsafeMutablePointer<Float>?, _ bias: UnsafeMutablePointer<Float>?, out: UnsafeMutablePointer<Float>,
                            mean: UnsafeMutablePointer<Float>, rstd: UnsafeMutablePointer<Float>, inp: UnsafeMutablePointer<Float>,
                            N: Int) -> UnsafeMutablePointer<Float> {
        guard let weight else { return inp }
        norm(out: out, mean: mean, rstd: rstd, inp: inp, weight: weight, bias: bias, N: N)
        return out
    }

    /// What a sublayer adds to the residual stream: its output's norm (into `out`) when the family norms after it, else the output.
    private func normAfter(_ weight: UnsafeMutablePointer<Float>?, inp: UnsafeMutablePointer<Float>, rstd: UnsafeMutablePointer<Float>,
                           out: UnsafeMutablePointer<Float>, N: Int) -> UnsafeMutablePointer<Float> {
        guard let weight else { return inp }
        norm(out: out, mean: rstd, rstd: rstd, inp: inp, weight: weight, bias: nil, N: N)
        return out
    }
}
