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
        let C = config.width, V = config.vocabularySize
        drawDropout()
        Embedding.forward(out: a.encoded, tokens: a.tokens, positions: a.positions, wte: matrix(layout.wte),
                          wpe: layout.wpe.map(matrix), N: N, C: C)
        scaleEmbedding(a.encoded, N: N)
        var residual = a.encoded
        for l in 0..<config.layers {
            let t = BlockTensors(input: residual, ln1: a.ln1[l], ln1Mean: a.ln1Mean[l], ln1Rstd: a.ln1Rstd[l],
                                 qkvRaw: a.qkvRaw[l], qkRstd: a.qkRstd[l], qkv: a.qkv[l], atty: a.atty[l],
                                 attentionOutput: a.attentionOutput[l], post1Rstd: a.post1Rstd[l],
                                 mlpOutput: a.mlpOutput[l], post2Rstd: a.post2Rstd[l], normed: a.projection,
                                 afterAttention: a.residual2[l], ln2: a.ln2[l], ln2Mean: a.ln2Mean[l], ln2Rstd: a.ln2Rstd[l],
                                 fch: a.fch[l], activated: a.fchGelu[l], output: a.residual3[l], N: N, keepsAdapterInputs: true)
            let shape = config.attention(layer: l)
            block(l, t, positions: a.positions) { t in
                Attention.forward(out: t.atty, att: a.att[l], inp: t.qkv, B: B, T: T, shape: shape)
            }
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

    /// Multiplies the embedded rows by the family's embedding scale (Gemma's √width).
    func scaleEmbedding(_ x: UnsafeMutablePointer<Float>, N: Int) {
        let s = embeddingScale
        guard s != 1 else { return }
        for i in 0..<(N * config.width) { x[i] *= s }
    }

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
/// pointers (nil where the family has none), its four matrices as
/// `Matrix` — `Weight` for parameters (binary32 or bfloat16), pointers for gradients.
struct BlockWeights<Matrix> {
    let norm1w, norm2w, post1w, post2w, qNorm, kNorm: UnsafeMutablePointer<Float>?
    let qkvw, projw, fcw, fcprojw: Matrix
    let norm1b, qkvb, projb, norm2b, fcb, fcprojb: UnsafeMutablePointer<Float>?

    /// Views at one block's offsets: the vectors in `buffer`, the matrices through `matrix`.
    init(_ o: BlockOffsets, in buffer: FloatBuffer, matrix: (Int) -> Matrix) {
        let p = buffer.pointer
        func at(_ offset: Int?) -> UnsafeMutablePointer<Float>? { offset.map { p + $0 } }
        norm1w = at(o.norm1w); norm1b = at(o.norm1b)
        qkvw = matrix(o.qkvw); qkvb = at(o.qkvb); qNorm = at(o.qNorm); kNorm = at(o.kNorm)
        projw = matrix(o.projw); projb = at(o.projb); post1w = at(o.post1w)
        norm2w = at(o.norm2w); norm2b = at(o.norm2b)
        fcw = matrix(o.fcw); fcb = at(o.fcb)
        fcprojw = matrix(o.fcprojw); fcprojb = at(o.fcprojb); post2w = at(o.post2w)
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
