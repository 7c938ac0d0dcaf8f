import Kernels

extension GPT {
    /// Runs the model on `tokens` (B·T ids, row-major (B, T)).
    ///
    /// Afterwards `hidden` holds the final hidden states (B, T, C), after the
    /// last LayerNorm, and, when `computeLogits`, `logits` holds (B, T, V).
    /// The output gradients (`logitGradients`, `hiddenGradients`) start at zero
    /// after each forward pass, ready for losses to add into.
    public func forward(tokens: [Int32], B: Int, T: Int, computeLogits: Bool = true) {
        precondition(tokens.count == B * T, "forward: \(tokens.count) tokens for B=\(B) T=\(T)")
        precondition(T <= config.contextLength, "forward: T=\(T) exceeds the context \(config.contextLength)")
        let V = config.vocabularySize
        precondition(tokens.allSatisfy { $0 >= 0 && Int($0) < V }, "forward: token id outside 0..<\(V)")
        let a = activations(B: B, T: T)
        tokens.withUnsafeBufferPointer { a.tokens.update(from: $0.baseAddress!, count: B * T) }
        forward(a, computeLogits: computeLogits)
        zeroOutputGradients(logits: computeLogits)
    }

    func forward(_ a: Activations, computeLogits: Bool) {
        let B = a.B, T = a.T, N = B * T
        let C = config.width, NH = config.heads, V = config.vocabularySize
        Embedding.forward(
            out: a.encoded, tokens: a.tokens, positions: a.positions,
            wte: parameters.pointer + layout.wte, wpe: parameters.pointer + layout.wpe, N: N, C: C)
        var residual = a.encoded
        for l in 0..<config.layers {
            let w = BlockWeights(layout.blocks[l], in: parameters)
            LayerNorm.forward(out: a.ln1[l], mean: a.ln1Mean[l], rstd: a.ln1Rstd[l], inp: residual,
                              weight: w.ln1w, bias: w.ln1b, N: N, C: C)
            Matmul.forward(out: a.qkv[l], inp: a.ln1[l], weight: w.qkvw, bias: w.qkvb, N: N, C: C, OC: 3 * C)
            Attention.forward(out: a.atty[l], att: a.att[l], inp: a.qkv[l], B: B, T: T, C: C, NH: NH)
            Matmul.forward(out: a.projection, inp: a.atty[l], weight: w.projw, bias: w.projb, N: N, C: C, OC: C)
            Residual.forward(out: a.residual2[l], a: residual, b: a.projection, N: N * C)
            LayerNorm.forward(out: a.ln2[l], mean: a.ln2Mean[l], rstd: a.ln2Rstd[l], inp: a.residual2[l],
                              weight: w.ln2w, bias: w.ln2b, N: N, C: C)
            Matmul.forward(out: a.fch[l], inp: a.ln2[l], weight: w.fcw, bias: w.fcb, N: N, C: C, OC: 4 * C)
            GELU.forward(out: a.fchGelu[l], inp: a.fch[l], N: N * 4 * C)
            Matmul.forward(out: a.projection, inp: a.fchGelu[l], weight: w.fcprojw, bias: w.fcprojb,
                           N: N, C: 4 * C, OC: C)
            Residual.forward(out: a.residual3[l], a: a.residual2[l], b: a.projection, N: N * C)
            residual = a.residual3[l]
        }
        LayerNorm.forward(out: a.lnf, mean: a.lnfMean, rstd: a.lnfRstd, inp: residual,
                          weight: parameters.pointer + layout.lnfw, bias: parameters.pointer + layout.lnfb, N: N, C: C)
        if computeLogits {
            // logits = lnf · wteᵀ: the LM head is tied to the token embedding.
            gemm(transB: true, M: N, N: V, K: C, A: a.lnf, lda: C,
                 B: parameters.pointer + layout.wte, ldb: C, C: a.logits, ldc: V)
        }
    }

    /// The logits (B, T, V) of the last `forward`.
    public var logits: UnsafeMutablePointer<Float> { requireActivations().logits }
    /// The final hidden states (B, T, C) of the last `forward`.
    public var hidden: UnsafeMutablePointer<Float> { requireActivations().lnf }
    /// Gradient at the logits (B, T, V), read by `backward`; set it after `forward`.
    public var logitGradients: UnsafeMutablePointer<Float> { requireActivations().dlogits }
    /// Gradient at the final hidden states (B, T, C), read by `backward`.
    public var hiddenGradients: UnsafeMutablePointer<Float> { requireActivations().dhidden }

    func requireActivations() -> Activations {
        guard let a = activations else { preconditionFailure("no forward pass has run") }
        return a
    }

    /// Clears the gradients at the logits and the hidden states of the last
    /// forward pass (done by `forward` itself; needed only to start over).
    public func zeroOutputGradients(logits: Bool = true) {
        let a = requireActivations()
        if logits { a.dlogits.update(repeating: 0, count: a.B * a.T * config.vocabularySize) }
        a.dhidden.update(repeating: 0, count: a.B * a.T * config.width)
    }
}

/// The parameter pointers of one transformer block.
struct BlockWeights {
    let ln1w, ln1b, qkvw, qkvb, projw, projb, ln2w, ln2b, fcw, fcb, fcprojw, fcprojb: UnsafeMutablePointer<Float>

    /// Views into `buffer` (parameters or gradients) at one block's offsets.
    init(_ o: BlockOffsets, in buffer: FloatBuffer) {
        let p = buffer.pointer
        ln1w = p + o.ln1w; ln1b = p + o.ln1b
        qkvw = p + o.qkvw; qkvb = p + o.qkvb
        projw = p + o.projw; projb = p + o.projb
        ln2w = p + o.ln2w; ln2b = p + o.ln2b
        fcw = p + o.fcw; fcb = p + o.fcb
        fcprojw = p + o.fcprojw; fcprojb = p + o.fcprojb
    }
}
