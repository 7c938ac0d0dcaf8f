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
        let QKV = config.qkvWidth, H = config.hidden, outIn = isLlama
        drawDropout()
        Embedding.forward(out: a.encoded, tokens: a.tokens, positions: a.positions, wte: matrix(layout.wte),
                          wpe: layout.wpe.map(matrix), N: N, C: C)
        var residual = a.encoded
        for l in 0..<config.layers {
            let w = weights(l)
            norm(out: a.ln1[l], mean: a.ln1Mean[l], rstd: a.ln1Rstd[l], inp: residual, weight: w.norm1w, bias: w.norm1b, N: N)
            Matmul.forward(out: a.qkv[l], inp: a.ln1[l], weight: w.qkvw, bias: w.qkvb, N: N, C: C, OC: QKV, outIn: outIn)
            adapt(.qkv, layer: l, out: a.qkv[l], outputs: QKV, inp: a.ln1[l], N: N, keep: true)
            rotate(a.qkv[l], positions: a.positions, N: N)
            Attention.forward(out: a.atty[l], att: a.att[l], inp: a.qkv[l], B: B, T: T, C: C, NH: NH, NKV: config.kvHeads)
            Matmul.forward(out: a.projection, inp: a.atty[l], weight: w.projw, bias: w.projb, N: N, C: C, OC: C, outIn: outIn)
            adapt(.attentionOutput, layer: l, out: a.projection, outputs: C, inp: a.atty[l], N: N, keep: true)
            Residual.forward(out: a.residual2[l], a: residual, b: a.projection, N: N * C)
            norm(out: a.ln2[l], mean: a.ln2Mean[l], rstd: a.ln2Rstd[l], inp: a.residual2[l], weight: w.norm2w, bias: w.norm2b, N: N)
            Matmul.forward(out: a.fch[l], inp: a.ln2[l], weight: w.fcw, bias: w.fcb, N: N, C: C, OC: config.fcWidth, outIn: outIn)
            adapt(.mlpIn, layer: l, out: a.fch[l], outputs: config.fcWidth, inp: a.ln2[l], N: N, keep: true)
            activation(out: a.fchGelu[l], inp: a.fch[l], N: N)
            Matmul.forward(out: a.projection, inp: a.fchGelu[l], weight: w.fcprojw, bias: w.fcprojb, N: N, C: H, OC: C, outIn: outIn)
            adapt(.mlpOut, layer: l, out: a.projection, outputs: C, inp: a.fchGelu[l], N: N, keep: true)
            Residual.forward(out: a.residual3[l], a: a.residual2[l], b: a.projection, N: N * C)
            residual = a.residual3[l]
        }
        norm(out: a.lnf, mean: a.lnfMean, rstd: a.lnfRstd, inp: residual, weight: parameters.pointer + layout.lnfw,
             bias: layout.lnfb.map { parameters.pointer + $0 }, N: N)
        if computeLogits {
            // logits = lnf · headᵀ, the head (V, C) being the token embedding when tied.
            gemm(transB: true, M: N, N: V, K: C, A: a.lnf, lda: C, B: matrix(headOffset), ldb: C, C: a.logits, ldc: V)
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

/// One transformer block's tensors in a buffer: its norms and biases as
/// pointers (nil where the family has no bias), its four matrices as
/// `Matrix` — `Weight` for parameters (binary32 or bfloat16), pointers for gradients.
struct BlockWeights<Matrix> {
    let norm1w, norm2w: UnsafeMutablePointer<Float>
    let qkvw, projw, fcw, fcprojw: Matrix
    let norm1b, qkvb, projb, norm2b, fcb, fcprojb: UnsafeMutablePointer<Float>?

    /// Views at one block's offsets: the vectors in `buffer`, the matrices through `matrix`.
    init(_ o: BlockOffsets, in buffer: FloatBuffer, matrix: (Int) -> Matrix) {
        let p = buffer.pointer
        norm1w = p + o.norm1w; norm1b = o.norm1b.map { p + $0 }
        qkvw = matrix(o.qkvw); qkvb = o.qkvb.map { p + $0 }
        projw = matrix(o.projw); projb = o.projb.map { p + $0 }
        norm2w = p + o.norm2w; norm2b = o.norm2b.map { p + $0 }
        fcw = matrix(o.fcw); fcb = o.fcb.map { p + $0 }
        fcprojw = matrix(o.fcprojw); fcprojb = o.fcprojb.map { p + $0 }
    }
}

extension GPT {
    /// Block `l`'s parameters.
    func weights(_ l: Int) -> BlockWeights<Weight> { BlockWeights(layout.blocks[l], in: parameters, matrix: matrix) }

    /// Block `l`'s gradients (a binary32 model's).
    func gradientPointers(_ l: Int) -> BlockWeights<UnsafeMutablePointer<Float>> {
        let g = gradients
        return BlockWeights(layout.blocks[l], in: g) { g.pointer + $0 }
    }
}
