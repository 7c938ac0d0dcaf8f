import Kernels

extension GPT {
    /// The forward pass read in reverse: adds into `gradients` the gradient of
    /// a loss whose gradient at the outputs is in `logitGradients` (when
    /// `throughLogits` and the pass held its logits; a chunked head pass's losses
    /// have already carried theirs into `hiddenGradients`) plus `hiddenGradients`.
    /// Activations must be those of the last `forward`, which kept them; when it
    /// kept the blocks' inputs only, each block is run again before its backward. With adapters (`lora`) the base is frozen: only the
    /// adapters' (and a scalar head's) gradients are added, and the base
    /// weights' gradient products are skipped. A bfloat16 model trains adapters only.
    public func backward(throughLogits: Bool = true) {
        precondition(lora != nil || precision == .float32, "backward: a bfloat16 model trains adapters only")
        let a = requireActivations()
        precondition(a.memory != .none, "backward: the last forward pass kept nothing for it (forBackward: false)")
        let B = a.B, T = a.T, N = B * T
        let C = config.width, V = config.vocabularySize, A = config.attentionWidth
        let QKV = config.qkvWidth, FC = config.fcWidth, H = config.hidden
        let frozen = lora != nil
        if throughLogits && a.head == .held {
            gemm(M: N, N: C, K: V, A: a.dlogits, lda: V, B: matrix(headOffset), ldb: C, beta: 1, C: a.dhidden, ldc: C)
            if !frozen {
                gemm(transA: true, M: V, N: C, K: N, A: a.dlogits, lda: V, B: a.lnf, ldb: C, beta: 1,
                     C: gradients.pointer + headOffset, ldc: C)
            }
        }
        // A frozen norm's weight and bias gradients go to scratch that nothing reads.
        let discard = frozen ? a.dnormScratch : nil
        func grad(_ p: UnsafeMutablePointer<Float>?) -> UnsafeMutablePointer<Float>? { frozen ? nil : p }
        func normGrad(_ p: UnsafeMutablePointer<Float>?) -> UnsafeMutablePointer<Float> { discard ?? p! }
        let dres = a.dresidual
        dres.update(repeating: 0, count: N * C)
        let last = config.layers == 0 ? a.encoded : a.residual3[config.layers - 1]
        normBackward(dinp: dres, dweight: discard ?? gradients.pointer + layout.lnfw,
                     dbias: layout.lnfb.map { discard.map { $0 + C } ?? gradients.pointer + $0 },
                     dout: a.dhidden, inp: last, weight: parameters.pointer + layout.lnfw, mean: a.lnfMean, rstd: a.lnfRstd, N: N)
        for l in stride(from: config.layers - 1, through: 0, by: -1) {
            if a.memory.recomputes(l) { forwardBlock(l, a) }
            let w = weights(l), g = gradientPointers(l)
            let residual = l == 0 ? a.encoded : a.residual3[l - 1]
            // residual3 = residual2 + post₂(fcproj): dres flows to both, through the norm after when there is one.
            let dmlp = throughNormAfter(w.post2w, dweight: g.post2w.map(normGrad), dout: dres, inp: a.mlpOutput[l],
                                        rstd: a.post2Rstd[l], scratch: a.dpost, N: N)
            a.dfchGelu.update(repeating: 0, count: N * H)
            Matmul.backward(dinp: a.dfchGelu, dweight: grad(g.fcprojw), dbias: grad(g.fcprojb), dout: dmlp,
                            inp: a.fchGelu[l], weight: w.fcprojw, N: N, C: H, OC: C, outIn: outIn)
            adaptBackward(.mlpOut, layer: l, dout: dmlp, outputs: C, inp: a.fchGelu[l], dinp: a.dfchGelu, N: N)
            a.dfch.update(repeating: 0, count: N * FC)
            activationBackward(dinp: a.dfch, dout: a.dfchGelu, inp: a.fch[l], N: N)
            let x2 = w.norm2w == nil ? a.residual2[l] : a.ln2[l]
            a.dln.update(repeating: 0, count: N * C)
            Matmul.backward(dinp: a.dln, dweight: grad(g.fcw), dbias: grad(g.fcb), dout: a.dfch,
                            inp: x2, weight: w.fcw, N: N, C: C, OC: FC, outIn: outIn)
            adaptBackward(.mlpIn, layer: l, dout: a.dfch, outputs: FC, inp: x2, dinp: a.dln, N: N)
            throughNormBefore(w.norm2w, w.norm2b, dweight: g.norm2w.map(normGrad), dbias: g.norm2b.map { discard.map { $0 + C } ?? $0 },
                              dres: dres, dout: a.dln, inp: a.residual2[l], mean: a.ln2Mean[l], rstd: a.ln2Rstd[l], N: N)
            // residual2 = residual + post₁(attproj): likewise.
            let datt = throughNormAfter(w.post1w, dweight: g.post1w.map(normGrad), dout: dres, inp: a.attentionOutput[l],
                                        rstd: a.post1Rstd[l], scratch: a.dpost, N: N)
            a.datty.update(repeating: 0, count: N * A)
            Matmul.backward(dinp: a.datty, dweight: grad(g.projw), dbias: grad(g.projb), dout: datt,
                            inp: a.atty[l], weight: w.projw, N: N, C: A, OC: C, outIn: outIn)
            adaptBackward(.attentionOutput, layer: l, dout: datt, outputs: C, inp: a.atty[l], dinp: a.datty, N: N)
            a.dqkv.update(repeating: 0, count: N * QKV)
            Attention.backward(dinp: a.dqkv, dout: a.datty, inp: a.qkv[l], att: a.att[l], scratch: a.datt,
                               B: B, T: T, shape: config.attention(layer: l))
            rotate(a.dqkv, layer: l, positions: a.positions, N: N, inverse: true)
            var dproj = a.dqkv
            if let q = w.qNorm, let k = w.kNorm {
                a.dqkvRaw.update(repeating: 0, count: N * QKV)
                qkNormBackward(draw: a.dqkvRaw, dqWeight: discard ?? g.qNorm!, dkWeight: discard.map { $0 + max(C, QKV) } ?? g.kNorm!, dqkv: a.dqkv,
                               raw: a.qkvRaw[l], rstd: a.qkRstd[l], qWeight: q, kWeight: k, N: N)
                dproj = a.dqkvRaw
            }
            let x1 = w.norm1w == nil ? residual : a.ln1[l]
            a.dln.update(repeating: 0, count: N * C)
            Matmul.backward(dinp: a.dln, dweight: grad(g.qkvw), dbias: grad(g.qkvb), dout: dproj,
                            inp: x1, weight: w.qkvw, N: N, C: C, OC: QKV, outIn: outIn)
            adaptBackward(.qkv, layer: l, dout: dproj, outputs: QKV, inp: x1, dinp: a.dln, N: N)
            throughNormBefore(w.norm1w, w.norm1b, dweight: g.norm1w.map(normGrad), dbias: g.norm1b.map { discard.map { $0 + C } ?? $0 },
                              dres: dres, dout: a.dln, inp: residual, mean: a.ln1Mean[l], rstd: a.ln1Rstd[l], N: N)
        }
        if frozen { return }
        scaleEmbedding(dres, N: N)
        Embedding.backward(dwte: gradients.pointer + layout.wte, dwpe: layout.wpe.map { gradients.pointer + $0 }, dout: dres,
                           tokens: a.tokens, positions: a.positions, N: N, C: C)
    }

    /// The gradient at a sublayer's output given `dout` at what it adds to the
    /// residual stream: through its norm after (into `scratch`), or `dout` itself.
    private func throughNormAfter(_ weight: UnsafeMutablePointer<Float>?, dweight: UnsafeMutablePointer<Float>?,
                                  dout: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>, rstd: UnsafePointer<Float>,
                                  scratch: UnsafeMutablePointer<Float>, N: Int) -> UnsafeMutablePointer<Float> {
        guard let weight, let dweight else { return dout }
        scratch.update(repeating: 0, count: N * config.width)
        normBackward(dinp: scratch, dweight: dweight, dbias: nil, dout: dout, inp: inp, weight: weight, mean: rstd, rstd: rstd, N: N)
        return scratch
    }

    /// Adds into `dres` the gradient `dout` at a sublayer's input: through its norm before, or straight.
    private func throughNormBefore(_ weight: UnsafeMutablePointer<Float>?, _ bias: UnsafeMutablePointer<Float>?,
                                   dweight: UnsafeMutablePointer<Float>?, dbias: UnsafeMutablePointer<Float>?,
                                   dres: UnsafeMutablePointer<Float>, dout: UnsafePointer<Float>, inp: UnsafePointer<Float>,
                                   mean: UnsafePointer<Float>, rstd: UnsafePointer<Float>, N: Int) {
        guard let weight, let dweight else {
            Residual.forward(out: dres, a: dres, b: dout, N: N * config.width)
            return
        }
        normBackward(dinp: dres, dweight: dweight, dbias: dbias, dout: dout, inp: inp, weight: weight, mean: mean, rstd: rstd, N: N)
    }
}
