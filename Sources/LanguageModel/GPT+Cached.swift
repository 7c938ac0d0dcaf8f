import Kernels

extension GPT {
    /// The forward pass for new tokens of sequences whose earlier tokens are in
    /// `cache`: row r is token `tokens[r]` of slot `slots[r]` at `positions[r]`.
    /// Rows of one slot must come in position order and each slot's earlier
    /// positions must be cached already. Writes every row's keys and values into
    /// the cache and returns logits (`logitRows.count`, V) for the rows listed in
    /// `logitRows`, valid until the next call.
    ///
    /// A prompt is one call with all its tokens (prefill); each sampled token
    /// is one more call with one row per sequence.
    public func forwardCached(
        tokens: [Int32], slots: [Int32], positions: [Int32], logitRows: [Int], cache: KVCache
    ) -> UnsafePointer<Float> {
        let R = tokens.count, C = config.width, NH = config.heads, V = config.vocabularySize
        precondition(slots.count == R && positions.count == R, "forwardCached: one slot and position per token")
        precondition(positions.allSatisfy { $0 >= 0 && Int($0) < cache.capacity }, "forwardCached: position past the cache")
        precondition(slots.allSatisfy { $0 >= 0 && Int($0) < cache.slots }, "forwardCached: no such slot")
        precondition(tokens.allSatisfy { $0 >= 0 && Int($0) < V }, "forwardCached: token id outside 0..<\(V)")
        precondition(logitRows.allSatisfy { $0 >= 0 && $0 < R }, "forwardCached: logit row outside 0..<\(R)")
        precondition(cache.config == config, "forwardCached: the cache was made for another model shape")
        let s = cache.rows(R, logitRows: logitRows.count)
        let TMax = cache.capacity, QKV = config.qkvWidth, KV = config.kvHeads, hs = config.headSize
        let H = config.hidden, outIn = isLlama
        tokens.withUnsafeBufferPointer { tok in
            positions.withUnsafeBufferPointer { pos in
                Embedding.forward(out: s.x, tokens: tok.baseAddress!, positions: pos.baseAddress!, wte: matrix(layout.wte),
                                  wpe: layout.wpe.map(matrix), N: R, C: C)
            }
        }
        for l in 0..<config.layers {
            let w = weights(l)
            norm(out: s.ln, mean: s.mean, rstd: s.rstd, inp: s.x, weight: w.norm1w, bias: w.norm1b, N: R)
            Matmul.forward(out: s.qkv, inp: s.ln, weight: w.qkvw, bias: w.qkvb, N: R, C: C, OC: QKV, outIn: outIn)
            adapt(.qkv, layer: l, out: s.qkv, outputs: QKV, inp: s.ln, N: R, keep: false)
            positions.withUnsafeBufferPointer { rotate(s.qkv, positions: $0.baseAddress!, N: R) }
            let keys = cache.keys(layer: l), values = cache.values(layer: l)
            for r in 0..<R {
                for h in 0..<KV {
                    let at = ((Int(slots[r]) * KV + h) * TMax + Int(positions[r])) * hs
                    (keys + at).update(from: s.qkv + r * QKV + C + h * hs, count: hs)
                    (values + at).update(from: s.qkv + r * QKV + C + KV * hs + h * hs, count: hs)
                }
            }
            slots.withUnsafeBufferPointer { sl in
                positions.withUnsafeBufferPointer { pos in
                    Attention.forwardCached(out: s.atty, q: s.qkv, qStride: QKV, keys: keys, values: values,
                                            slots: sl.baseAddress!, positions: pos.baseAddress!,
                                            R: R, TMax: TMax, C: C, NH: NH, NKV: KV)
                }
            }
            Matmul.forward(out: s.proj, inp: s.atty, weight: w.projw, bias: w.projb, N: R, C: C, OC: C, outIn: outIn)
            adapt(.attentionOutput, layer: l, out: s.proj, outputs: C, inp: s.atty, N: R, keep: false)
            Residual.forward(out: s.x, a: s.x, b: s.proj, N: R * C)
            norm(out: s.ln, mean: s.mean, rstd: s.rstd, inp: s.x, weight: w.norm2w, bias: w.norm2b, N: R)
            Matmul.forward(out: s.fch, inp: s.ln, weight: w.fcw, bias: w.fcb, N: R, C: C, OC: config.fcWidth, outIn: outIn)
            adapt(.mlpIn, layer: l, out: s.fch, outputs: config.fcWidth, inp: s.ln, N: R, keep: false)
            activation(out: s.act, inp: s.fch, N: R)
            Matmul.forward(out: s.proj, inp: s.act, weight: w.fcprojw, bias: w.fcprojb, N: R, C: H, OC: C, outIn: outIn)
            adapt(.mlpOut, layer: l, out: s.proj, outputs: C, inp: s.act, N: R, keep: false)
            Residual.forward(out: s.x, a: s.x, b: s.proj, N: R * C)
        }
        // Only the rows whose next token is wanted go through the final norm and the LM head.
        for (i, r) in logitRows.enumerated() { (s.ln + i * C).update(from: s.x + r * C, count: C) }
        let n = logitRows.count
        norm(out: s.gathered, mean: s.mean, rstd: s.rstd, inp: s.ln, weight: parameters.pointer + layout.lnfw,
             bias: layout.lnfb.map { parameters.pointer + $0 }, N: n)
        gemm(transB: true, M: n, N: V, K: C, A: s.gathered, lda: C, B: matrix(headOffset), ldb: C, C: s.logits, ldc: V)
        return UnsafePointer(s.logits)
    }
}
