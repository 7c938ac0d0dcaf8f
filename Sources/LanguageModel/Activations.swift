import Kernels

/// What a forward pass keeps for the backward pass.
public enum ActivationMemory: Sendable, Equatable {
    /// Every tensor of every block, as the backward reads them.
    case all
    /// Blocks `from` and after keep their input only: the backward runs each of
    /// them again just before it goes through it (activation recomputation, Chen et
    /// al. 2016, "Training Deep Nets with Sublinear Memory Cost"): one block's
    /// tensors instead of L − from, for that much more forward work. The numbers
    /// are the same as with `all`.
    case inputs(from: Int)

    /// Whether block `l` runs again in the backward.
    func recomputes(_ l: Int) -> Bool {
        if case .inputs(let from) = self { return l >= from }
        return false
    }
    /// Nothing: a pass for its outputs alone (a reference's log-probabilities); no
    /// backward may follow. The residual stream is updated in place.
    case none
}

/// How a forward pass treats the LM head.
public enum HeadPass: Sendable, Equatable {
    /// All (B·T, V) logits computed and held (`logits`), with a buffer for their gradient.
    case held
    /// Computed by the losses (`tokenLogProbabilities`, `languageModelLoss`,
    /// `logProbabilityBackward`, `tokenEntropies`) `headChunk` positions at a time (`GPT.headChunk`),
    /// never all at once: the memory of a chunk instead of B·T·V floats (the fused
    /// linear + log-softmax of Liger-Kernel, Hsu et al. 2024; cut cross-entropy,
    /// Wijmans et al. 2024, chunks the vocabulary instead).
    case chunked
    /// Not computed (a scalar head, or the hidden states alone).
    case skipped
}

/// The forward pass's saved values and the backward pass's scratch for one
/// batch shape (B, T), carved from one buffer. Per-layer tensors are kept for
/// the layers `memory` says (one set serves the others); gradient scratch is
/// shared by all layers, as in llm.c.
final class Activations {
    let B: Int, T: Int
    let memory: ActivationMemory, head: HeadPass
    /// Rows of `logits` and `dlogits`: B·T when held, a chunk's when chunked, 0 when skipped.
    let headRows: Int
    /// Whether products with the head may take `gemm`'s few-rows kernels: only when the whole
    /// pass has so few rows, so a position's logits do not depend on the chunk it falls in.
    var headFewRows: Bool { B * T <= 32 }
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

    /// ∂log p(targetₙ)/∂hiddenₙ = (onehot − softmaxₙ)·head for each position (B·T, C), kept by a
    /// chunked pass's `tokenLogProbabilities` when the head is frozen and a backward may follow, for
    /// the targets in `logpHiddenTargets`: `logProbabilityBackward` then needs no second product with the head.
    let logpHidden: UnsafeMutablePointer<Float>
    var logpHiddenTargets: [Int32]?

    // Loss scratch, (B, T) each.
    let logp: UnsafeMutablePointer<Float>, lse: UnsafeMutablePointer<Float>, lossScratch: UnsafeMutablePointer<Float>

    /// Activations for (B, T), carved from `reusing` when it is large enough
    /// (batches of varying shape then cost no new memory), else from a new buffer.
    /// Per-layer tensors are kept per layer as `memory` says, else one set serves every layer.
    init(config: GPTConfig, B: Int, T: Int, memory: ActivationMemory = .all, head: HeadPass = .held, headChunk: Int = 64,
         reusing: FloatBuffer? = nil) {
        self.B = B
        self.T = T
        self.memory = memory
        self.head = head
        let L = config.layers, C = config.width, V = config.vocabularySize, NH = config.heads, A = config.attentionWidth
        let QKV = config.qkvWidth, FC = config.fcWidth, H = config.hidden
        let raw = config.architecture.qkNorm == .none ? 0 : 1, post = config.architecture.placement.after ? 1 : 0
        let BT = B * T, scratchNorm = 2 * max(C, QKV)
        let back = memory == .none ? 0 : 1, direct = head == .chunked && memory != .none ? 1 : 0
        let HR = Self.headRows(B: B, T: T, head: head, headChunk: headChunk)
        headRows = HR
        let perLayer = Self.perLayer(config: config, B: B, T: T)
        let total = Self.floatCount(config: config, B: B, T: T, memory: memory, head: head, headChunk: headChunk)
        if let reusing, reusing.count >= total {
            buffer = reusing
        } else {
            // Shapes that vary (rollouts, reward-model batches) grow the buffer by at least half, so it settles.
            buffer = FloatBuffer(count: reusing.map { max(total, $0.count + $0.count / 2) } ?? total)
        }
        var cursor = buffer.pointer
        func take(_ n: Int) -> UnsafeMutablePointer<Float> { defer { cursor += n }; return cursor }
        let stream = take(BT * C)
        encoded = stream
        var layer: [[UnsafeMutablePointer<Float>]] = Array(repeating: [], count: perLayer.count)
        for (k, n) in perLayer.enumerated() {
            let copies = Self.perLayerCopies(k, layers: L, memory: memory)
            let kept = (0..<copies).map { _ in take(n) }
            layer[k] = (0..<L).map { l in copies == 0 ? stream : kept[min(l, copies - 1)] }
        }
        (ln1, ln1Mean, ln1Rstd, qkv) = (layer[0], layer[1], layer[2], layer[3])
        qkvRaw = raw == 1 ? layer[4] : layer[3]
        (qkRstd, atty, att, residual2) = (layer[5], layer[6], layer[7], layer[8])
        (ln2, ln2Mean, ln2Rstd, fch, fchGelu, residual3) = (layer[9], layer[10], layer[11], layer[12], layer[13], layer[14])
        lnf = take(BT * C); lnfMean = take(BT); lnfRstd = take(BT); logits = take(HR * V)
        projection = take(BT * C)
        (attentionOutput, post1Rstd) = post == 1 ? (layer[15], layer[16]) : (Array(repeating: projection, count: L), layer[16])
        (mlpOutput, post2Rstd) = post == 1 ? (layer[17], layer[18]) : (Array(repeating: projection, count: L), layer[18])
        dlogits = take(HR * V); dhidden = take(BT * C); dresidual = take(back * BT * C); dln = take(back * BT * C)
        datty = take(back * BT * A); dqkv = take(back * BT * QKV); dfch = take(back * BT * FC); dfchGelu = take(back * BT * H)
        datt = take(back * B * NH * T * T)
        dqkvRaw = take(back * raw * BT * QKV); dpost = take(back * post * BT * C)
        logpHidden = take(direct * BT * C)
        logp = take(BT); lse = take(BT); lossScratch = take(BT)
        dnormScratch = take(scratchNorm)
        precondition(cursor - buffer.pointer == total, "Activations: carved \(cursor - buffer.pointer) floats of \(total)")
        tokens = .allocate(capacity: BT)
        positions = .allocate(capacity: BT)
        tokens.initialize(repeating: 0, count: BT)
        for i in 0..<BT { positions[i] = Int32(i % T) }
    }

    /// Rows of the logits a pass holds: B·T when held, a chunk's when chunked, 0 when skipped.
    static func headRows(B: Int, T: Int, head: HeadPass, headChunk: Int) -> Int {
        head == .held ? B * T : head == .chunked ? min(B * T, headChunk) : 0
    }

    /// Of the tensors of `perLayer`'s entry k, how many sets are kept: one per layer, or
    /// as `memory` says, fewer that the later layers share.
    static func perLayerCopies(_ k: Int, layers L: Int, memory: ActivationMemory) -> Int {
        let residual2Index = 8, residual3Index = 14
        switch memory {
        case .all: return L
        case .inputs(let from): return k == residual3Index ? L : min(L, max(from, 0) + 1)
        case .none: return k == residual2Index || k == residual3Index ? 0 : min(L, 1)  // the stream is `encoded`
        }
    }

    /// Floats `init` carves for (B, T): the saved tensors, the backward's scratch and the losses'.
    static func floatCount(config: GPTConfig, B: Int, T: Int, memory: ActivationMemory, head: HeadPass, headChunk: Int) -> Int {
        let L = config.layers, C = config.width, V = config.vocabularySize, NH = config.heads, A = config.attentionWidth
        let QKV = config.qkvWidth, FC = config.fcWidth, H = config.hidden
        let raw = config.architecture.qkNorm == .none ? 0 : 1, post = config.architecture.placement.after ? 1 : 0
        let BT = B * T, HR = headRows(B: B, T: T, head: head, headChunk: headChunk)
        var sizes: [Int] = [BT * C]
        for (k, n) in perLayer(config: config, B: B, T: T).enumerated() { sizes.append(n * perLayerCopies(k, layers: L, memory: memory)) }
        sizes += [BT * C, BT, BT, HR * V, BT * C]
        // The backward's scratch: none when no backward may follow.
        let back = memory == .none ? 0 : 1
        sizes += [HR * V, BT * C] + [BT * C, BT * C, BT * A, BT * QKV, BT * FC, BT * H, B * NH * T * T, raw * BT * QKV, post * BT * C].map { back * $0 }
        let direct = head == .chunked && memory != .none ? 1 : 0
        sizes += [direct * BT * C, BT, BT, BT, 2 * max(C, QKV)]
        return sizes.reduce(0, +)
    }

    /// Floats of one block's saved tensors for (B, T), in the order `init` carves them.
    static func perLayer(config: GPTConfig, B: Int, T: Int) -> [Int] {
        let BT = B * T, C = config.width, NH = config.heads, A = config.attentionWidth
        let QKV = config.qkvWidth, FC = config.fcWidth, H = config.hidden
        let arch = config.architecture, qkRows = arch.qkNorm == .none ? 0 : NH + config.kvHeads
        let raw = qkRows > 0 ? 1 : 0, post = arch.placement.after ? 1 : 0
        return [BT * C, BT, BT, BT * QKV, raw * BT * QKV, BT * qkRows, BT * A, B * NH * T * T, BT * C,
                BT * C, BT, BT, BT * FC, BT * H, BT * C, post * BT * C, post * BT, post * BT * C, post * BT]
    }

    deinit {
        tokens.deallocate()
        positions.deallocate()
    }

    /// Bytes held.
    var byteCount: Int { buffer.count * 4 + B * T * 8 }
}
