import Kernels

/// Where one transformer block reads and writes its N rows. The full pass
/// keeps every tensor for the backward (its own buffers per layer); the
/// cached pass reuses one set of scratch rows, so there `input`, `afterAttention`
/// and `output` are the same buffer, updated in place, as are the two norms'.
struct BlockTensors {
    var input: UnsafeMutablePointer<Float>
    var ln1: UnsafeMutablePointer<Float>, ln1Mean: UnsafeMutablePointer<Float>, ln1Rstd: UnsafeMutablePointer<Float>
    var qkv: UnsafeMutablePointer<Float>
    var atty: UnsafeMutablePointer<Float>
    /// Scratch for the attention's and the MLP's output projections.
    var projection: UnsafeMutablePointer<Float>
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
    /// forward share (Radford et al. 2019's pre-norm block; Touvron et al.
    /// 2023's with RMSNorm, rotary positions and SwiGLU):
    ///
    ///     h = x + W_o · attention(rope(W_qkv · norm₁(x)))
    ///     y = h + W_down · act(W_up · norm₂(h))
    ///
    /// `attend` reads the rotated q, k, v rows and writes the attention's
    /// output into `t.atty`: causal over the batch's own rows, or over a KV cache.
    func block(_ l: Int, _ t: BlockTensors, positions: UnsafePointer<Int32>, attend: (BlockTensors) -> Void) {
        let C = config.width, N = t.N, QKV = config.qkvWidth, outIn = isLlama, keep = t.keepsAdapterInputs
        let w = weights(l)
        norm(out: t.ln1, mean: t.ln1Mean, rstd: t.ln1Rstd, inp: t.input, weight: w.norm1w, bias: w.norm1b, N: N)
        Matmul.forward(out: t.qkv, inp: t.ln1, weight: w.qkvw, bias: w.qkvb, N: N, C: C, OC: QKV, outIn: outIn)
        adapt(.qkv, layer: l, out: t.qkv, outputs: QKV, inp: t.ln1, N: N, keep: keep)
        rotate(t.qkv, positions: positions, N: N)
        attend(t)
        Matmul.forward(out: t.projection, inp: t.atty, weight: w.projw, bias: w.projb, N: N, C: C, OC: C, outIn: outIn)
        adapt(.attentionOutput, layer: l, out: t.projection, outputs: C, inp: t.atty, N: N, keep: keep)
        Residual.forward(out: t.afterAttention, a: t.input, b: t.projection, N: N * C)
        norm(out: t.ln2, mean: t.ln2Mean, rstd: t.ln2Rstd, inp: t.afterAttention, weight: w.norm2w, bias: w.norm2b, N: N)
        Matmul.forward(out: t.fch, inp: t.ln2, weight: w.fcw, bias: w.fcb, N: N, C: C, OC: config.fcWidth, outIn: outIn)
        adapt(.mlpIn, layer: l, out: t.fch, outputs: config.fcWidth, inp: t.ln2, N: N, keep: keep)
        activation(out: t.activated, inp: t.fch, N: N)
        Matmul.forward(out: t.projection, inp: t.activated, weight: w.fcprojw, bias: w.fcprojb, N: N, C: config.hidden, OC: C, outIn: outIn)
        adapt(.mlpOut, layer: l, out: t.projection, outputs: C, inp: t.activated, N: N, keep: keep)
        Residual.forward(out: t.output, a: t.afterAttention, b: t.projection, N: N * C)
    }
}
