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
        let R = tokens.count, C = config.width, A = config.attentionWidth, V = config.vocabularySize
        precondition(slots.count == R && positions.count == R, "forwardCached: one slot and position per token")
        precondition(positions.allSatisfy { $0 >= 0 && Int($0) < cache.capacity }, "forwardCached: position past the cache")
        precondition(slots.allSatisfy { $0 >= 0 && Int($0) < cache.slots }, "forwardCached: no such slot")
        precondition(tokens.allSatisfy { $0 >= 0 && Int($0) < V }, "forwardCached: token id outside 0..<\(V)")
        precondition(logitRows.allSatisfy { $0 >= 0 && $0 < R }, "forwardCached: logit row outside 0..<\(R)")
        precondition(cache.config == config, "forwardCached: the cache was made for another model shape")
        let s = cache.rows(R, logitRows: logitRows.count)
        let TMax = cache.capacity, QKV = config.qkvWidth, KV = config.kvHeads, hs = config.headSize
        tokens.withUnsafeBufferPointer { tok in
            positions.withUnsafeBufferPointer { pos in
                Embedding.forward(out: s.x, tokens: tok.baseAddress!, positions: pos.baseAddress!, wte: matrix(layout.wte),
                                  wpe: layout.wpe.map(matrix), N: R, C: C)
            }
        }
        scaleEmbedding(s.x, N: R)
        // One set of scratch rows serves every layer: the residual stream s.x is updated in place.
        let t = BlockTensors(input: s.x, ln1: s.ln, ln1Mean: s.mean, ln1Rstd: s.rstd, qkvRaw: s.qkvRaw, qkRstd: s.qkRstd, qkv: s.qkv,
                             atty: s.atty, attentionOutput: s.proj, post1Rstd: s.rstd, mlpOutput: s.proj, post2Rstd: s.rstd,
                             normed: s.normed, afterAttention: s.x, ln2: s.ln, ln2Mean: s.mean, ln2Rstd: s.rstd, fch: s.fch,
                             activated: s.act, output: s.x, N: R, keepsAdapterInputs: false)
        slots.withUnsafeBufferPointer { sl in
            positions.withUnsafeBufferPointer { pos in
                for l in 0..<config.layers {
                    let shape = config.attention(layer: l)
                    block(l, t, positions: pos.baseAddress!) { t in
                        // This step's keys and values join the cache, then the rows attend over it.
                        let keys = cache.keys(layer: l), values = cache.values(layer: l)
                        for r in 0..<R {
                            for h in 0..<KV {
                                let at = ((Int(sl[r]) * KV + h) * TMax + Int(pos[r])) * hs
                                (keys + at).update(from: t.qkv + r * QKV + A + h * hs, count: hs)
                                (values + at).update(from: t.qkv + r * QKV + A + KV * hs + h * hs, count: hs)
                            }
                        }
                        Attention.forwardCached(out: t.atty, q: t.qkv, qStride: QKV, keys: keys, values: values,
                                                slots: sl.baseAddress!, positions: pos.baseAddress!,
                                                R: R, TMax: TMax, shape: shape)
                    }
                }
            }
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
