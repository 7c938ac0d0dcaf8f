import Kernels

extension GPT {
    /// The forward pass read in reverse: adds into `gradients` the gradient of
    /// a loss whose gradient at the outputs is in `logitGradients` (when
    /// `throughLogits`) plus `hiddenGradients`. Activations must be those of the
    /// last `forward`. With adapters (`lora`) the base is frozen: only the
    /// adapters' (and a scalar head's) gradients are added, and the base
    /// weights' gradient products are skipped. A bfloat16 model trains adapters only.
    public func backward(throughLogits: Bool = true) {
        precondition(lora != nil || precision == .float32, "backward: a bfloat16 model trains adapters only")
        let a = requireActivations()
        let B = a.B, T = a.T, N = B * T
        let C = config.width, NH = config.heads, V = config.vocabularySize
        let QKV = config.qkvWidth, FC = config.fcWidth, H = config.hidden, outIn = isLlama
        let frozen = lora != nil
        if throughLogits {
            gemm(M: N, N: C, K: V, A: a.dlogits, lda: V, B: matrix(headOffset), ldb: C, beta: 1, C: a.dhidden, ldc: C)
            if !frozen {
                gemm(transA: true, M: V, N: C, K: N, A: a.dlogits, lda: V, B: a.lnf, ldb: C, beta: 1,
                     C: gradients.pointer + headOffset, ldc: C)
            }
        }
        // A frozen norm's weight and bias gradients go to scratch that nothing reads.
        let discard = frozen ? a.dnormScratch : nil
        func grad(_ p: UnsafeMutablePointer<Float>?) -> UnsafeMutablePointer<Float>? { frozen ? nil : p }
        let dres = a.dresidual
        dres.update(repeating: 0, count: N * C)
        let last = config.layers == 0 ? a.encoded : a.residual3[config.layers - 1]
        normBackward(dinp: dres, dweight: discard ?? gradients.pointer + layout.lnfw,
                     dbias: layout.lnfb.map { discard.map { $0 + C } ?? gradients.pointer + $0 },
                     dout: a.dhidden, inp: last, weight: parameters.pointer + layout.lnfw, mean: a.lnfMean, rstd: a.lnfRstd, N: N)
        for l in stride(from: config.layers - 1, through: 0, by: -1) {
            let w = weights(l), g = gradientPointers(l)
            let residual = l == 0 ? a.encoded : a.residual3[l - 1]
            // residual3 = residual2 + fcproj: dres flows to both unchanged.
            a.dfchGelu.update(repeating: 0, count: N * H)
            Matmul.backward(dinp: a.dfchGelu, dweight: grad(g.fcprojw), dbias: grad(g.fcprojb), dout: dres,
                            inp: a.fchGelu[l], weight: w.fcprojw, N: N, C: H, OC: C, outIn: outIn)
            adaptBackward(.mlpOut, layer: l, dout: dres, outputs: C, inp: a.fchGelu[l], dinp: a.dfchGelu, N: N)
            a.dfch.update(repeating: 0, count: N * FC)
            activationBackward(dinp: a.dfch, dout: a.dfchGelu, inp: a.fch[l], N: N)
            a.dln.update(repeating: 0, count: N * C)
            Matmul.backward(dinp: a.dln, dweight: grad(g.fcw), dbias: grad(g.fcb), dout: a.dfch,
                            inp: a.ln2[l], weight: w.fcw, N: N, C: C, OC: FC, outIn: outIn)
            adaptBackward(.mlpIn, layer: l, dout: a.dfch, outputs: FC, inp: a.ln2[l], dinp: a.dln, N: N)
            normBackward(dinp: dres, dweight: discard ?? g.norm2w, dbias: g.norm2b.map { discard.map { $0 + C } ?? $0 },
                         dout: a.dln, inp: a.residual2[l],
                         weight: w.norm2w, mean: a.ln2Mean[l], rstd: a.ln2Rstd[l], N: N)
            // residual2 = residual + attproj: likewise.
            a.datty.update(repeating: 0, count: N * C)
            Matmul.backward(dinp: a.datty, dweight: grad(g.projw), dbias: grad(g.projb), dout: dres,
                            inp: a.atty[l], weight: w.projw, N: N, C: C, OC: C, outIn: outIn)
            adaptBackward(.attentionOutput, layer: l, dout: dres, outputs: C, inp: a.atty[l], dinp: a.datty, N: N)
            a.dqkv.update(repeating: 0, count: N * QKV)
            Attention.backward(dinp: a.dqkv, dout: a.datty, inp: a.qkv[l], att: a.att[l], scratch: a.datt,
                               B: B, T: T, C: C, NH: NH, NKV: config.kvHeads)
            rotate(a.dqkv, positions: a.positions, N: N, inverse: true)
            a.dln.update(repeating: 0, count: N * C)
            Matmul.backward(dinp: a.dln, dweight: grad(g.qkvw), dbias: grad(g.qkvb), dout: a.dqkv,
                            inp: a.ln1[l], weight: w.qkvw, N: N, C: C, OC: QKV, outIn: outIn)
            adaptBackward(.qkv, layer: l, dout: a.dqkv, outputs: QKV, inp: a.ln1[l], dinp: a.dln, N: N)
            normBackward(dinp: dres, dweight: discard ?? g.norm1w, dbias: g.norm1b.map { discard.map { $0 + C } ?? $0 },
                         dout: a.dln, inp: residual,
                         weight: w.norm1w, mean: a.ln1Mean[l], rstd: a.ln1Rstd[l], N: N)
        }
        if frozen { return }
        Embedding.backward(dwte: gradients.pointer + layout.wte, dwpe: layout.wpe.map { gradients.pointer + $0 }, dout: dres,
                           tokens: a.tokens, positions: a.positions, N: N, C: C)
    }
}
