import Kernels

/// The places where the families differ, each a small switch on the model's
/// `Architecture` that the forward, backward and cached passes share: the norm
/// (LayerNorm, RMSNorm with w or 1 + w), the q/k norm, the positions (a learned
/// table added at the embedding, or rotary turns of q and k, on some layers),
/// the MLP's activation (GELU, SwiGLU or GeGLU), the embedding's scale and the
/// LM head (tied to the token embedding or not). Grouped-query attention, the
/// head size, the query scale, sliding windows and the weight layout
/// ((in, out) or (out, in)) are parameters of the kernels.
extension GPT {
    /// Whether weight matrices are stored (out, in), as Linear layers are.
    var outIn: Bool { config.architecture.layout == .outIn }

    /// What the (1 + w) RMSNorm adds to its weight.
    private var normOffset: Float { config.architecture.norm == .rmsPlusOne ? 1 : 0 }

    /// The norm of N rows of `C` floats (the width unless said): LayerNorm with
    /// bias (GPT-2), or RMSNorm (`mean` unused, `bias` nil).
    func norm(out: UnsafeMutablePointer<Float>, mean: UnsafeMutablePointer<Float>, rstd: UnsafeMutablePointer<Float>,
              inp: UnsafePointer<Float>, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?, N: Int) {
        if let bias {
            LayerNorm.forward(out: out, mean: mean, rstd: rstd, inp: inp, weight: weight, bias: bias, N: N, C: config.width)
        } else {
            RMSNorm.forward(out: out, rstd: rstd, inp: inp, weight: weight, epsilon: config.normEpsilon, N: N, C: config.width,
                            offset: normOffset)
        }
    }

    /// The backward of `norm`.
    func normBackward(dinp: UnsafeMutablePointer<Float>, dweight: UnsafeMutablePointer<Float>, dbias: UnsafeMutablePointer<Float>?,
                      dout: UnsafePointer<Float>, inp: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                      mean: UnsafePointer<Float>, rstd: UnsafePointer<Float>, N: Int) {
        if let dbias {
            LayerNorm.backward(dinp: dinp, dweight: dweight, dbias: dbias, dout: dout, inp: inp, weight: weight,
                               mean: mean, rstd: rstd, N: N, C: config.width)
        } else {
            RMSNorm.backward(dinp: dinp, dweight: dweight, dout: dout, inp: inp, weight: weight, rstd: rstd, N: N, C: config.width,
                             offset: normOffset)
        }
    }

    /// The q/k norm's groups: values per group of q and of k, and groups of each per row
    /// (a head each, or the whole projection: heads·hs of q, kvHeads·hs of k).
    private var qkGroups: (qSize: Int, kSize: Int, q: Int, k: Int) {
        config.architecture.qkNorm == .perHead ? (config.headSize, config.headSize, config.heads, config.kvHeads)
            : (config.attentionWidth, config.kvHeads * config.headSize, 1, 1)
    }

    /// Number of rstd values the q/k norm keeps per row.
    var qkNormRows: Int { config.architecture.qkNorm == .none ? 0 : qkGroups.q + qkGroups.k }

    /// The q/k norm: q and k of N fused rows `raw` normalised into `qkv` (v copied),
    /// keeping rstd (N · qkNormRows, q's groups then k's).
    func qkNorm(_ qkv: UnsafeMutablePointer<Float>, raw: UnsafePointer<Float>, rstd: UnsafeMutablePointer<Float>,
                qWeight: UnsafePointer<Float>, kWeight: UnsafePointer<Float>, N: Int) {
        let g = qkGroups, QKV = config.qkvWidth, A = config.attentionWidth, KV = config.kvHeads * config.headSize
        RMSNorm.forward(out: qkv, rstd: rstd, inp: raw, weight: qWeight, epsilon: config.normEpsilon, N: N, C: g.qSize,
                        groups: g.q, stride: QKV, offset: normOffset)
        RMSNorm.forward(out: qkv + A, rstd: rstd + N * g.q, inp: raw + A, weight: kWeight, epsilon: config.normEpsilon,
                        N: N, C: g.kSize, groups: g.k, stride: QKV, offset: normOffset)
        for n in 0..<N { (qkv + n * QKV + A + KV).update(from: raw + n * QKV + A + KV, count: KV) }
    }

    /// The backward of `qkNorm`: draw (N, qkvWidth) += the gradient given dqkv.
    func qkNormBackward(draw: UnsafeMutablePointer<Float>, dqWeight: UnsafeMutablePointer<Float>, dkWeight: UnsafeMutablePointer<Float>,
                        dqkv: UnsafePointer<Float>, raw: UnsafePointer<Float>, rstd: UnsafePointer<Float>,
                        qWeight: UnsafePointer<Float>, kWeight: UnsafePointer<Float>, N: Int) {
        let g = qkGroups, QKV = config.qkvWidth, A = config.attentionWidth, KV = config.kvHeads * config.headSize
        RMSNorm.backward(dinp: draw, dweight: dqWeight, dout: dqkv, inp: raw, weight: qWeight, rstd: rstd, N: N, C: g.qSize,
                         groups: g.q, stride: QKV, offset: normOffset)
        RMSNorm.backward(dinp: draw + A, dweight: dkWeight, dout: dqkv + A, inp: raw + A, weight: kWeight, rstd: rstd + N * g.q,
                         N: N, C: g.kSize, groups: g.k, stride: QKV, offset: normOffset)
        for n in 0..<N {
            let d = draw + n * QKV + A + KV, s = dqkv + n * QKV + A + KV
            for i in 0..<KV { d[i] += s[i] }
        }
    }

    /// Rotary positions of layer `l`: turns the q and k heads of N fused rows
    /// (N, qkvWidth) in place, or (`inverse`) their gradients back; nothing on
    /// a layer without them (GPT-2's, SmolLM3's every fourth).
    func rotate(_ qkv: UnsafeMutablePointer<Float>, layer l: Int, positions: UnsafePointer<Int32>, N: Int, inverse: Bool = false) {
        guard config.rotates(layer: l) else { return }
        let hs = config.headSize, stride = config.qkvWidth
        (config.usesLocalRope(layer: l) ? localRopeFrequencies : ropeFrequencies).withUnsafeBufferPointer { f in
            RoPE.rotate(qkv, stride: stride, column: 0, heads: config.heads, headSize: hs, positions: positions,
                        frequencies: f.baseAddress!, N: N, inverse: inverse)
            RoPE.rotate(qkv, stride: stride, column: config.attentionWidth, heads: config.kvHeads, headSize: hs,
                        positions: positions, frequencies: f.baseAddress!, N: N, inverse: inverse)
        }
    }

    /// The MLP's activation: GELU of (N, hidden), or SwiGLU or GeGLU of (N, 2·hidden) [gate | up].
    func activation(out: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>, N: Int) {
        switch config.architecture.mlp {
        case .gelu: GELU.forward(out: out, inp: inp, N: N * config.hidden)
        case .gatedSiLU: SwiGLU.forward(out: out, inp: inp, N: N, H: config.hidden)
        case .gatedGELU: GeGLU.forward(out: out, inp: inp, N: N, H: config.hidden)
        }
    }

    /// The backward of `activation`.
    func activationBackward(dinp: UnsafeMutablePointer<Float>, dout: UnsafePointer<Float>, inp: UnsafePointer<Float>, N: Int) {
        switch config.architecture.mlp {
        case .gelu: GELU.backward(dinp: dinp, dout: dout, inp: inp, N: N * config.hidden)
        case .gatedSiLU: SwiGLU.backward(dinp: dinp, dout: dout, inp: inp, N: N, H: config.hidden)
        case .gatedGELU: GeGLU.backward(dinp: dinp, dout: dout, inp: inp, N: N, H: config.hidden)
        }
    }

    /// The token embedding's factor: √width in Gemma (transformers'
    /// Gemma3TextScaledWordEmbedding, in the weights' dtype: binary32 here), else 1.
    var embeddingScale: Float { config.architecture.scaledEmbedding ? Float(config.width).squareRoot() : 1 }

    /// Where the LM head's (V, C) weight is: the token embedding when tied.
    var headOffset: Int { layout.head ?? layout.wte }
}
