import Kernels

/// Low-rank adapters in the passes (see `LoRASettings`): each adapter adds
/// (α/r)·(x Aᵀ) Bᵀ to its columns of a block's product, and its backward adds
/// dB, dA and the input's gradient. With adapters the base is frozen: its
/// weight gradients are not computed at all.
extension GPT {
    /// This model with fresh adapters on the `settings.targets` of every block
    /// (A uniform(±1/√in), B zero, as PEFT starts them), so it computes exactly
    /// what it did. A model that has adapters gets them folded in first.
    public func withLoRA(_ settings: LoRASettings, seed: UInt64) -> GPT {
        let base = lora == nil ? self : merged()
        let layout = ParameterLayout(config: config, scalarHead: hasScalarHead, lora: settings, precision: base.precision)
        let (p, h) = base.tensors(for: layout)
        var rng = Random(seed: seed)
        for spec in layout.specs where spec.role == .loraA {
            let bound = 1 / Double(spec.shape[1]).squareRoot()
            for i in 0..<spec.count { p.pointer[spec.offset + i] = Float((2 * rng.uniform() - 1) * bound) }
        }
        let made = GPT(config: config, scalarHead: hasScalarHead, parameters: p, base: h, lora: settings)
        made.baseChanged = base.baseChanged
        made.tokenIDs = base.tokenIDs
        return made
    }

    /// The model without adapters, each folded into its weight: W += (α/r)·B A
    /// (in GPT-2's (in, out) layout, the transpose). A bfloat16 base comes out
    /// binary32: rounding the sums back would lose most of the adapters' small change.
    public func merged() -> GPT {
        guard let lora else { return withoutAdapters() }
        let base = ParameterLayout(config: config, scalarHead: hasScalarHead, precision: .float32)
        let (p, _) = tensors(for: base)
        let r = lora.rank, s = lora.scaling
        for (l, adapters) in layout.adapters.enumerated() {
            let o = base.blocks[l]
            for adapter in adapters {
                let (weight, OC) = product(adapter.site, o)
                let A = parameters.pointer + adapter.a, B = parameters.pointer + adapter.b
                let R = adapter.columns.count, K = adapter.inputs, lo = adapter.columns.lowerBound
                if outIn {  // W (OC, in): rows lo..<hi += s · B A
                    gemm(M: R, N: K, K: r, alpha: s, A: B, lda: r, B: A, ldb: K, beta: 1, C: p.pointer + weight + lo * K, ldc: K)
                } else {  // W (in, OC): columns lo..<hi += s · (B A)ᵀ = s · Aᵀ Bᵀ
                    gemm(transA: true, transB: true, M: K, N: R, K: r, alpha: s, A: A, lda: K, B: B, ldb: r,
                         beta: 1, C: p.pointer + weight + lo, ldc: OC)
                }
            }
        }
        let made = GPT(config: config, scalarHead: hasScalarHead, parameters: p)
        made.baseChanged = true
        made.tokenIDs = tokenIDs
        return made
    }

    /// A copy of the base model alone, its adapters dropped: what a run that
    /// trains only adapters started from.
    public func withoutAdapters() -> GPT {
        let (p, h) = tensors(for: ParameterLayout(config: config, scalarHead: hasScalarHead, precision: precision))
        let made = GPT(config: config, scalarHead: hasScalarHead, parameters: p, base: h)
        made.baseChanged = baseChanged
        made.tokenIDs = tokenIDs
        return made
    }

    /// The base weight's offset and output width of a block's product.
    private func product(_ site: LoRASite, _ o: BlockOffsets) -> (weight: Int, outputs: Int) {
        switch site {
        case .qkv: (o.qkvw, config.qkvWidth)
        case .attentionOutput: (o.projw, config.width)
        case .mlpIn: (o.fcw, config.fcWidth)
        case .mlpOut: (o.fcprojw, config.width)
        }
    }

    /// Room for `count` floats in `buffer`, grown when too small.
    private func room(_ buffer: inout FloatBuffer?, _ count: Int) -> UnsafeMutablePointer<Float> {
        if let b = buffer, b.count >= count { return b.pointer }
        let made = FloatBuffer(count: count)
        buffer = made
        return made.pointer
    }

    /// Whether this pass drops the adapters' inputs.
    private var drops: Bool { training && (lora?.dropout ?? 0) > 0 }

    /// The dropout mask of adapter `k` of layer `l` in the current training step (N, in):
    /// 0 with probability p, else 1/(1 − p), drawn from a seed fixed by the step's count,
    /// so backward draws the same; and room for the dropped input after it.
    private func dropoutMask(_ l: Int, _ k: Int, N: Int, inputs: Int) -> UnsafeMutablePointer<Float> {
        let p = lora!.dropout, keep = Float(1 / (1 - p))
        let mask = room(&dropoutScratch, 2 * N * inputs)
        let perLayer = layout.adapters.first?.count ?? 0
        var rng = Random(seed: dropoutDraws &* 0x9E37_79B9_7F4A_7C15 &+ UInt64(l * perLayer + k))
        for i in 0..<(N * inputs) { mask[i] = rng.uniform() < p ? 0 : keep }
        return mask
    }

    /// The input an adapter reads: `inp` itself, or with dropout `inp` ⊙ mask (in scratch).
    private func adapterInput(_ inp: UnsafePointer<Float>, layer l: Int, adapter k: Int, N: Int, inputs: Int) -> UnsafePointer<Float> {
        guard drops else { return inp }
        let mask = dropoutMask(l, k, N: N, inputs: inputs), dropped = mask + N * inputs
        for i in 0..<(N * inputs) { dropped[i] = inp[i] * mask[i] }
        return UnsafePointer(dropped)
    }

    /// Starts a pass's dropout masks anew (called once per training forward).
    func drawDropout() {
        if drops { dropoutDraws &+= 1 }
    }

    /// Where adapter `k` of layer `l` keeps its x Aᵀ (N, rank) for backward.
    private func kept(_ l: Int, _ k: Int, N: Int) -> UnsafeMutablePointer<Float> {
        let perLayer = layout.adapters.first?.count ?? 0, r = lora?.rank ?? 0
        return room(&adapterActivations, config.layers * perLayer * N * r) + ((l * perLayer + k) * N * r)
    }

    /// out (N, OC) += (α/r)·(inp Aᵀ) Bᵀ on each adapter's columns, for the adapters of
    /// layer `l` at `site`; `keep` stores inp Aᵀ for backward (the training pass).
    func adapt(_ site: LoRASite, layer l: Int, out: UnsafeMutablePointer<Float>, outputs OC: Int,
               inp: UnsafePointer<Float>, N: Int, keep: Bool) {
        guard let lora, !layout.adapters.isEmpty else { return }
        let r = lora.rank
        for (k, adapter) in layout.adapters[l].enumerated() where adapter.site == site {
            let K = adapter.inputs, lo = adapter.columns.lowerBound
            let xa = keep ? kept(l, k, N: N) : room(&adapterScratch, N * r)
            let x = keep ? adapterInput(inp, layer: l, adapter: k, N: N, inputs: K) : inp
            gemm(transB: true, M: N, N: r, K: K, A: x, lda: K, B: parameters.pointer + adapter.a, ldb: K, C: xa, ldc: r)
            gemm(transB: true, M: N, N: adapter.columns.count, K: r, alpha: lora.scaling, A: xa, lda: r,
                 B: parameters.pointer + adapter.b, ldb: r, beta: 1, C: out + lo, ldc: OC)
        }
    }

    /// The backward of `adapt` (after a kept forward): dB += s·doutᵀ(xAᵀ), dA += (s·dout B)ᵀ x,
    /// dinp += (s·dout B) A, over each adapter's columns of `dout` (N, OC).
    func adaptBackward(_ site: LoRASite, layer l: Int, dout: UnsafePointer<Float>, outputs OC: Int,
                       inp: UnsafePointer<Float>, dinp: UnsafeMutablePointer<Float>, N: Int) {
        guard let lora, !layout.adapters.isEmpty else { return }
        let r = lora.rank, s = lora.scaling
        for (k, adapter) in layout.adapters[l].enumerated() where adapter.site == site {
            let K = adapter.inputs, R = adapter.columns.count, lo = adapter.columns.lowerBound
            let xa = kept(l, k, N: N), dxa = room(&adapterScratch, N * r)
            gemm(M: N, N: r, K: R, alpha: s, A: dout + lo, lda: OC, B: parameters.pointer + adapter.b, ldb: r, C: dxa, ldc: r)
            gemm(transA: true, M: R, N: r, K: N, alpha: s, A: dout + lo, lda: OC, B: xa, ldb: r,
                 beta: 1, C: gradients.pointer + adapter.b, ldc: r)
            let x = adapterInput(inp, layer: l, adapter: k, N: N, inputs: K)  // the same mask again
            gemm(transA: true, M: r, N: K, K: N, A: dxa, lda: r, B: x, ldb: K, beta: 1, C: gradients.pointer + adapter.a, ldc: K)
            if drops {  // dinp += (dxa A) ⊙ mask, the product put where the dropped input was
                let mask = dropoutScratch!.pointer, product = mask + N * K
                gemm(M: N, N: K, K: r, A: dxa, lda: r, B: parameters.pointer + adapter.a, ldb: K, C: product, ldc: K)
                for i in 0..<(N * K) { dinp[i] += product[i] * mask[i] }
            } else {
                gemm(M: N, N: K, K: r, A: dxa, lda: r, B: parameters.pointer + adapter.a, ldb: K, beta: 1, C: dinp, ldc: K)
            }
        }
    }
}
