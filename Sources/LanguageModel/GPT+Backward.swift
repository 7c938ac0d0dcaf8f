import Kernels

extension GPT {
    /// The forward pass read in reverse: adds into `gradients` the gradient of
    /// a loss whose gradient at the outputs is in `logitGradients` (when
    /// `throughLogits`) plus `hiddenGradients`. Activations must be those of the
    /// last `forward`.
    public func backward(throughLogits: Bool = true) {
        let a = requireActivations()
        let B = a.B, T = a.T, N = B * T
        let C = config.width, NH = config.heads, V = config.vocabularySize
        let wte = parameters.pointer + layout.wte, dwte = gradients.pointer + layout.wte
        if throughLogits {
            gemm(M: N, N: C, K: V, A: a.dlogits, lda: V, B: wte, ldb: C, beta: 1, C: a.dhidden, ldc: C)
            gemm(transA: true, M: V, N: C, K: N, A: a.dlogits, lda: V, B: a.lnf, ldb: C, beta: 1, C: dwte, ldc: C)
        }
        let dres = a.dresidual
        dres.update(repeating: 0, count: N * C)
        let last = config.layers == 0 ? a.encoded : a.residual3[config.layers - 1]
        LayerNorm.backward(
            dinp: dres, dweight: gradients.pointer + layout.lnfw, dbias: gradients.pointer + layout.lnfb,
            dout: a.dhidden, inp: last, weight: parameters.pointer + layout.lnfw,
            mean: a.lnfMean, rstd: a.lnfRstd, N: N, C: C)
        for l in stride(from: config.layers - 1, through: 0, by: -1) {
            let w = BlockWeights(layout.blocks[l], in: parameters), g = BlockWeights(layout.blocks[l], in: gradients)
            let residual = l == 0 ? a.encoded : a.residual3[l - 1]
            // residual3 = residual2 + fcproj: dres flows to both unchanged.
            a.dfchGelu.update(repeating: 0, count: N * 4 * C)
            Matmul.backward(dinp: a.dfchGelu, dweight: g.fcprojw, dbias: g.fcprojb, dout: dres,
                            inp: a.fchGelu[l], weight: w.fcprojw, N: N, C: 4 * C, OC: C)
            a.dfch.update(repeating: 0, count: N * 4 * C)
            GELU.backward(dinp: a.dfch, dout: a.dfchGelu, inp: a.fch[l], N: N * 4 * C)
            a.dln.update(repeating: 0, count: N * C)
            Matmul.backward(dinp: a.dln, dweight: g.fcw, dbias: g.fcb, dout: a.dfch,
                            inp: a.ln2[l], weight: w.fcw, N: N, C: C, OC: 4 * C)
            LayerNorm.backward(dinp: dres, dweight: g.ln2w, dbias: g.ln2b, dout: a.dln, inp: a.residual2[l],
                               weight: w.ln2w, mean: a.ln2Mean[l], rstd: a.ln2Rstd[l], N: N, C: C)
            // residual2 = residual + attproj: likewise.
            a.datty.update(repeating: 0, count: N * C)
            Matmul.backward(dinp: a.datty, dweight: g.projw, dbias: g.projb, dout: dres,
                            inp: a.atty[l], weight: w.projw, N: N, C: C, OC: C)
            a.dqkv.update(repeating: 0, count: N * 3 * C)
            Attention.backward(dinp: a.dqkv, dout: a.datty, inp: a.qkv[l], att: a.att[l], scratch: a.datt,
                               B: B, T: T, C: C, NH: NH)
            a.dln.update(repeating: 0, count: N * C)
            Matmul.backward(dinp: a.dln, dweight: g.qkvw, dbias: g.qkvb, dout: a.dqkv,
                            inp: a.ln1[l], weight: w.qkvw, N: N, C: C, OC: 3 * C)
            LayerNorm.backward(dinp: dres, dweight: g.ln1w, dbias: g.ln1b, dout: a.dln, inp: residual,
                               weight: w.ln1w, mean: a.ln1Mean[l], rstd: a.ln1Rstd[l], N: N, C: C)
        }
        Embedding.backward(dwte: dwte, dwpe: gradients.pointer + layout.wpe, dout: dres,
                           tokens: a.tokens, positions: a.positions, N: N, C: C)
    }
}
