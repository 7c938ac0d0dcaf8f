import Kernels

extension GPT {
    /// Positions whose logits a chunked head pass holds at once (`HeadPass.chunked`):
    /// about 16 MB of them, at least 64 positions (85 for SmolLM2's 49,152 tokens, 64 for
    /// Qwen3's 151,936: 39 MB; 512 for GPT-2 small's 8,192), so that the products with
    /// the head stay large for a small vocabulary.
    nonisolated(unsafe) public static var headChunkFloats = 4 << 20
    /// The fewest positions a chunk holds (64).
    nonisolated(unsafe) public static var headChunkMinimum = 64

    /// `headChunkFloats` in positions of this model's vocabulary.
    public var headChunk: Int { Self.headChunk(config) }
    static func headChunk(_ config: GPTConfig) -> Int { max(headChunkMinimum, headChunkFloats / max(config.vocabularySize, 1)) }

    /// Bytes of saved block tensors a pass that a backward may follow keeps: the blocks
    /// that fit keep everything, the rest their inputs only, and run again in the
    /// backward (`ActivationMemory.inputs(from:)`).
    nonisolated(unsafe) public static var activationBudget = 512 << 20

    /// What a pass of (B, T) keeps when a backward may follow: everything, or as many
    /// blocks as `activationBudget` holds and the others' inputs.
    public func memoryForBackward(B: Int, T: Int) -> ActivationMemory { Self.memoryForBackward(config, B: B, T: T) }
    static func memoryForBackward(_ config: GPTConfig, B: Int, T: Int) -> ActivationMemory {
        let perBlock = Activations.perLayer(config: config, B: B, T: T).reduce(0, +) * 4
        let fits = activationBudget / max(perBlock, 1)
        return fits >= config.layers ? .all : .inputs(from: fits)
    }

    /// Runs the model on `tokens` (B·T ids, row-major (B, T)).
    ///
    /// Afterwards `hidden` holds the final hidden states (B, T, C), after the
    /// last norm, and with `head: .held` `logits` holds (B, T, V); with `.chunked`
    /// the losses compute the logits a chunk of positions at a time. When no
    /// backward will follow (`forBackward: false`: a reference's log-probabilities,
    /// an evaluation) nothing is kept but the outputs. The output gradients
    /// (`logitGradients`, `hiddenGradients`) start at zero after each forward pass,
    /// ready for losses to add into.
    public func forward(tokens: [Int32], B: Int, T: Int, head: HeadPass = .held, forBackward: Bool = true) {
        precondition(tokens.count == B * T, "forward: \(tokens.count) tokens for B=\(B) T=\(T)")
        precondition(T <= config.contextLength, "forward: T=\(T) exceeds the context \(config.contextLength)")
        let V = config.vocabularySize
        precondition(tokens.allSatisfy { $0 >= 0 && Int($0) < V }, "forward: token id outside 0..<\(V)")
        let a = activations(B: B, T: T, memory: forBackward ? memoryForBackward(B: B, T: T) : .none, head: head)
        tokens.withUnsafeBufferPointer { a.tokens.update(from: $0.baseAddress!, count: B * T) }
        forward(a)
        zeroOutputGradients()
    }

    func forward(_ a: Activations) {
        a.logpHiddenTargets = nil
        let N = a.B * a.T
        let C = config.width, V = config.vocabularySize
        drawDropout()
        Embedding.forward(out: a.encoded, tokens: a.tokens, positions: a.positions, wte: matrix(layout.wte),
                          wpe: layout.wpe.map(matrix), N: N, C: C)
        scaleEmbedding(a.encoded, N: N)
        for l in 0..<config.layers { forwardBlock(l, a) }
        let last = config.layers == 0 ? a.encoded : a.residual3[config.layers - 1]
        norm(out: a.lnf, mean: a.lnfMean, rstd: a.lnfRstd, inp: last, weight: parameters.pointer + layout.lnfw,
             bias: layout.lnfb.map { parameters.pointer + $0 }, N: N)
        if a.head == .held {
            // logits = lnf · headᵀ, the head (V, C) being the token embedding when tied.
            gemm(transB: true, M: N, N: V, K: C, A: a.lnf, lda: C, B: matrix(headOffset), ldb: C, C: a.logits, ldc: V)
        }
    }

    /// Block `l` over the pass's rows, from its input (the embedding or the block
    /// before's output) into `a`'s tensors for it: the forward pass, and the
    /// backward's recomputation when only the inputs were kept.
    func forwardBlock(_ l: Int, _ a: Activations) {
        let B = a.B, T = a.T
        let input = l == 0 ? a.encoded : a.residual3[l - 1]
        let t = BlockTensors(input: input, ln1: a.ln1[l], ln1Mean: a.ln1Mean[l], ln1Rstd: a.ln1Rstd[l],
                             qkvRaw: a.qkvRaw[l], qkRstd: a.qkRstd[l], qkv: a.qkv[l], atty: a.atty[l],
                             attentionOutput: a.attentionOutput[l], post1Rstd: a.post1Rstd[l],
                             mlpOutput: a.mlpOutput[l], post2Rstd: a.post2Rstd[l], normed: a.projection,
                             afterAttention: a.residual2[l], ln2: a.ln2[l], ln2Mean: a.ln2Mean[l], ln2Rstd: a.ln2Rstd[l],
                             fch: a.fch[l], activated: a.fchGelu[l], output: a.residual3[l], N: B * T,
                             keepsAdapterInputs: a.memory != .none)
        let shape = config.attention(layer: l)
        block(l, t, positions: a.positions) { t in
            Attention.forward(out: t.atty, att: a.att[l], inp: t.qkv, B: B, T: T, shape: shape)
        }
    }

    /// The logits (B, T, V) of the last `forward` (with `head: .held`).
    public var logits: UnsafeMutablePointer<Float> {
        let a = requireActivations()
        precondition(a.head == .held, "logits: the last forward pass did not hold its logits (head: .held)")
        return a.logits
    }
    /// The final hidden states (B, T, C) of the last `forward`.
    public var hidden: UnsafeMutablePointer<Float> { requireActivations().lnf }
    /// Gradient at the logits (B, T, V), read by `backward`; set it after `forward` (with `head: .held`).
    public var logitGradients: UnsafeMutablePointer<Float> {
        let a = requireActivations()
        precondition(a.head == .held, "logitGradients: the last forward pass did not hold its logits (head: .held)")
        return a.dlogits
    }
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
    public func zeroOutputGradients() {
        let a = requireActivations()
        a.dlogits.update(repeating: 0, count: a.headRows * config.vocabularySize)
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
