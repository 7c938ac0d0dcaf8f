import Kernels

/// The forward pass's saved values and the backward pass's scratch for one
/// batch shape (B, T), carved from one buffer. Per-layer tensors are kept for
/// every layer (the backward pass reads them); gradient scratch is shared by
/// all layers, as in llm.c.
final class Activations {
    let B: Int, T: Int
    /// The memory everything is carved from; it may be larger than this shape
    /// needs, when it was kept from a larger batch.
    let buffer: FloatBuffer
    let tokens: UnsafeMutablePointer<Int32>, positions: UnsafeMutablePointer<Int32>

    // Forward, saved. Per layer: index by layer number.
    let encoded: UnsafeMutablePointer<Float>                              // (B, T, C)
    let ln1: [UnsafeMutablePointer<Float>], ln1Mean: [UnsafeMutablePointer<Float>], ln1Rstd: [UnsafeMutablePointer<Float>]
    let qkv: [UnsafeMutablePointer<Float>]                                // (B, T, qkvWidth), q and k normed and rotated
    let qkvRaw: [UnsafeMutablePointer<Float>]                             // before the q/k norm (qkv itself without one)
    let qkRstd: [UnsafeMutablePointer<Float>]                             // (B, T, q/k norm groups)
    let atty: [UnsafeMutablePointer<Float>]                               // (B, T, heads·headSize)
    let att: [UnsafeMutablePointer<Float>]                                // (B, NH, T, T)
    let residual2: [UnsafeMutablePointer<Float>]
    let ln2: [UnsafeMutablePointer<Float>], ln2Mean: [UnsafeMutablePointer<Float>], ln2Rstd: [UnsafeMutablePointer<Float>]
    let fch: [UnsafeMutablePointer<Float>]                                // (B, T, fcWidth): GPT-2's 4C, Llama's [gate | up]
    let fchGelu: [UnsafeMutablePointer<Float>]                            // (B, T, hidden), after GELU or SwiGLU
    let residual3: [UnsafeMutablePointer<Float>]
    /// The attention and MLP output projections before a norm after them (B, T, C),
    /// and that norm's rstd (B, T); without such norms, `projection`.
    let attentionOutput: [UnsafeMutablePointer<Float>], post1Rstd: [UnsafeMutablePointer<Float>]
    let mlpOutput: [UnsafeMutablePointer<Float>], post2Rstd: [UnsafeMutablePointer<Float>]
    /// The output projections (or their norms), (B, T, C): added into the
    /// residual stream at once and never read again, so one buffer serves all.
    let projection: UnsafeMutablePointer<Float>
    let lnf: UnsafeMutablePointer<Float>, lnfMean: UnsafeMutablePointer<Float>, lnfRstd: UnsafeMutablePointer<Float>
    let logits: UnsafeMutablePointer<Float>                               // (B, T, V)

    // Backward scratch.
    let dlogits: UnsafeMutablePointer<Float>                              // (B, T, V)
    let dhidden: UnsafeMutablePointer<Float>                              // (B, T, C), at lnf's output
    let dresidual: UnsafeMutablePointer<Float>, dln: UnsafeMutablePointer<Float>, datty: UnsafeMutablePointer<Float>
    let dqkv: UnsafeMutablePointer<Float>, dfch: UnsafeMutablePointer<Float>, dfchGelu: UnsafeMutablePointer<Float>
    let datt: UnsafeMutablePointer<Float>                                 // (B, NH, T, T)
    /// The gradient before the q/k norm (B, T, qkvWidth), and at a sublayer's output before its norm after (B, T, C).
    let dqkvRaw: UnsafeMutablePointer<Float>, dpost: UnsafeMutablePointer<Float>
    /// Where a frozen norm's weight and bias gradients go (2·max(C, qkvWidth)), read by nothing.
    let dnormScratch: UnsafeMutablePointer<Float>

    // Loss scratch, (B, T) each.
    let logp: UnsafeMutablePointer<Float>, lse: UnsafeMutablePointer<Float>, lossScratch: UnsafeMutablePointer<Float>

    /// Activations for (B, T), carved from `reusing` when it is large enough
    /// (batches of varying shape then cost no new memory), else from a new buffer.
    init(config: GPTConfig, B: Int, T: Int, reusing: FloatBuffer? = nil) {
        self.B = B
        self.T = T
        let L = config.layers, C = config.width, V = config.vocabularySize, NH = config.heads, A = config.attentionWidth
        let QKV = config.qkvWidth, FC = config.fcWidth, H = config.hidden
        let arch = config.architecture, qkRows = arch.qkNorm == .none ? 0 : NH + config.kvHeads
        let raw = qkRows > 0 ? 1 : 0, post = arch.placement.after ? 1 : 0
        let BT = B * T, scratchNorm = 2 * max(C, QKV)
        var sizes: [Int] = [BT * C]
        let perLayer = [BT * C, BT, BT, BT * QKV, raw * BT * QKV, BT * qkRows, BT * A, B * NH * T * T, BT * C,
                        BT * C, BT, BT, BT * FC, BT * H, BT * C, post * BT * C, post * BT, post * BT * C, post * BT]
        for _ in 0..<L { sizes += perLayer }
        sizes += [BT * C, BT, BT, BT * V, BT * C]
        sizes += [BT * V, BT * C, BT * C, BT * C, BT * A, BT * QKV, BT * FC, BT * H, B * NH * T * T, raw * BT * QKV, post * BT * C]
        sizes += [BT, BT, BT, scratchNorm]
        let total = sizes.reduce(0, +)
        if let reusing, reusing.count >= total {
            buffer = reusing
        } else {
            // Shapes that vary (rollouts, reward-model batches) grow the buffer by at least half, so it settles.
            buffer = FloatBuffer(count: reusing.map { max(total, $0.count + $0.count / 2) } ?? total)
        }
        var cursor = buffer.pointer
        func take(_ n: Int) -> UnsafeMutablePointer<Float> { defer { cursor += n }; return cursor }
        encoded = take(BT * C)
        var layer: [[UnsafeMutablePointer<Float>]] = Array(repeating: [], count: perLayer.count)
        for _ in 0..<L { for (k, n) in perLayer.enumerated() { layer[k].append(take(n)) } }
        (ln1, ln1Mean, ln1Rstd, qkv) = (layer[0], layer[1], layer[2], layer[3])
        qkvRaw = raw == 1 ? layer[4] : layer[3]
        (qkRstd, atty, att, residual2) = (layer[5], layer[6], layer[7], layer[8])
        (ln2, ln2Mean, ln2Rstd, fch, fchGelu, residual3) = (layer[9], layer[10], layer[11], layer[12], layer[13], layer[14])
        lnf = take(BT * C); lnfMean = take(BT); lnfRstd = take(BT); logits = take(BT * V)
        projection = take(BT * C)
        (attentionOutput, post1Rstd) = post == 1 ? (layer[15], layer[16]) : (Array(repeating: projection, count: L), layer[16])
        (mlpOutput, post2Rstd) = post == 1 ? (layer[17], layer[18]) : (Array(repeating: projection, count: L), layer[18])
        dlogits = take(BT * V); dhidden = take(BT * C); dresidual = take(BT * C); dln = take(BT * C)
        datty = take(BT * A); dqkv = take(BT * QKV); dfch = take(BT * FC); dfchGelu = take(BT * H)
        datt = take(B * NH * T * T)
        dqkvRaw = take(raw * BT * QKV); dpost = take(post * BT * C)
        logp = take(BT); lse = take(BT); lossScratch = take(BT)
        dnormScratch = take(scratchNorm)
        tokens = .allocate(capacity: BT)
        positions = .allocate(capacity: BT)
        tokens.initialize(repeating: 0, count: BT)
        for i in 0..<BT { positions[i] = Int32(i % T) }
    }

    deinit {
        tokens.deallocate()
        positions.deallocate()
    }

    /// Bytes held.
    var byteCount: Int { buffer.count * 4 + B * T * 8 }
}
