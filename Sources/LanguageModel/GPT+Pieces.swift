import Kernels

/// The four places where the families differ, each a small switch that the
/// forward, backward and cached passes share: the norm (LayerNorm or RMSNorm),
/// the positions (a learned table added at the embedding, or rotary turns of q
/// and k), the MLP's activation (GELU or SwiGLU) and the LM head (tied to the
/// token embedding or not). Grouped-query attention and the weight layout
/// ((in, out) or (out, in)) are parameters of the kernels.
extension GPT {
    var isLlama: Bool { config.family != .gpt2 }

    /// The norm: LayerNorm with bias (GPT-2), or RMSNorm (`mean` unused, `bias` nil).
    func norm(out: UnsafeMutablePointer<Float>, mean: UnsafeMutablePointer<Float>, rstd: UnsafeMutablePointer<Float>,
              inp: UnsafePointer<Float>, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?, N: Int) {
        if let bias {
            LayerNorm.forward(out: out, mean: mean, rstd: rstd, inp: inp, weight: weight, bias: bias, N: N, C: config.width)
        } else {
            RMSNorm.forward(out: out, rstd: rstd, inp: inp, weight: weight, epsilon: config.normEpsilon, N: N, C: config.width)
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
            RMSNorm.backward(dinp: dinp, dweight: dweight, dout: dout, inp: inp, weight: weight, rstd: rstd, N: N, C: config.width)
        }
    }

    /// Rotary positions: turns the q and k heads of N fused rows (N, qkvWidth)
    /// in place, or (`inverse`) their gradients back; nothing for GPT-2.
    func rotate(_ qkv: UnsafeMutablePointer<Float>, positions: UnsafePointer<Int32>, N: Int, inverse: Bool = false) {
        guard isLlama else { return }
        let hs = config.headSize, stride = config.qkvWidth
        ropeFrequencies.withUnsafeBufferPointer { f in
            RoPE.rotate(qkv, stride: stride, column: 0, heads: config.heads, headSize: hs, positions: positions,
                        frequencies: f.baseAddress!, N: N, inverse: inverse)
            RoPE.rotate(qkv, stride: stride, column: config.width, heads: config.kvHeads, headSize: hs, positions: positions,
                        frequencies: f.baseAddress!, N: N, inverse: inverse)
        }
    }

    /// The MLP's activation: GELU of (N, hidden), or SwiGLU of (N, 2·hidden) [gate | up].
    func activation(out: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>, N: Int) {
        if isLlama { SwiGLU.forward(out: out, inp: inp, N: N, H: config.hidden) } else { GELU.forward(out: out, inp: inp, N: N * config.hidden) }
    }

    /// The backward of `activation`.
    func activationBackward(dinp: UnsafeMutablePointer<Float>, dout: UnsafePointer<Float>, inp: UnsafePointer<Float>, N: Int) {
        if isLlama {
            SwiGLU.backward(dinp: dinp, dout: dout, inp: inp, N: N, H: config.hidden)
        } else {
            GELU.backward(dinp: dinp, dout: dout, inp: inp, N: N * config.hidden)
        }
    }

    /// Where the LM head's (V, C) weight is: the token embedding when tied.
    var headOffset: Int { layout.head ?? layout.wte }
}
