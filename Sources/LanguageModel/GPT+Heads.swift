import Kernels

extension GPT {
    /// A reward model on `trunk`'s transformer (Ouyang et al. 2022, §3.5: the
    /// SFT model with its unembedding replaced by a scalar projection): every
    /// tensor of the trunk copied by name, and a fresh `score.weight` drawn from
    /// normal(0, 1/√(C+1)) as TRL's reward trainer does for a new head.
    public convenience init(scalarHeadOn trunk: GPT, seed: UInt64) {
        let trunk = trunk.lora == nil ? trunk : trunk.merged()
        let layout = ParameterLayout(config: trunk.config, scalarHead: true, precision: trunk.precision)
        let (p, h) = trunk.tensors(for: layout)  // an untied LM head is dropped
        var rng = Random(seed: seed)
        let C = trunk.config.width
        rng.fillNormal(p.pointer + layout.score!, C, std: 1 / Float(C + 1).squareRoot())
        self.init(config: trunk.config, scalarHead: true, parameters: p, base: h)
        tokenIDs = trunk.tokenIDs
    }

    /// A language model with `other`'s transformer and the LM head tied to its
    /// token embedding (drops a scalar head): a reward model read as a policy.
    /// An untied head starts as a copy of the token embedding.
    public convenience init(languageModelFrom other: GPT) {
        let other = other.lora == nil ? other : other.merged()
        let layout = ParameterLayout(config: other.config, scalarHead: false, precision: other.precision)
        let embedding = other.layout.specs[0].name  // the token embedding comes first in every layout
        let (p, h) = other.tensors(for: layout) { $0 == "lm_head.weight" ? embedding : $0 }
        self.init(config: other.config, scalarHead: false, parameters: p, base: h)
        tokenIDs = other.tokenIDs
    }

    /// Entropy (B·T) of the next-token distribution at every position of the
    /// last forward pass. Call after `tokenLogProbabilities`, which fills the
    /// log-normalisers it reads.
    public func tokenEntropies() -> [Float] {
        let a = requireActivations()
        let N = a.B * a.T
        var out = [Float](repeating: 0, count: N)
        out.withUnsafeMutableBufferPointer { e in
            eachLogitChunk(a) { rows, logits in
                TokenLogProb.entropy(e.baseAddress! + rows.lowerBound, logits: logits, lse: a.lse + rows.lowerBound,
                                     N: rows.count, V: config.vocabularySize)
            }
        }
        return out
    }

    /// Entropy of the next-token distribution at the positions `start..<start + count`
    /// of each row (rows of T positions) of the last forward pass: a response's
    /// positions only, where `tokenEntropies` computes every position (prompts
    /// and padding too) for the caller to cut. Call after `tokenLogProbabilities`.
    /// - Complexity: O(V) per position asked for.
    public func tokenEntropies(rows: [(start: Int, count: Int)]) -> [[Float]] {
        let a = requireActivations()
        let V = config.vocabularySize
        precondition(rows.count <= a.B && rows.allSatisfy { $0.start >= 0 && $0.count >= 0 && $0.start + $0.count <= a.T },
                     "tokenEntropies: positions outside the last forward pass")
        return rows.enumerated().map { b, row in
            var out = [Float](repeating: 0, count: row.count)
            let first = b * a.T + row.start
            out.withUnsafeMutableBufferPointer { e in
                guard let base = e.baseAddress else { return }
                eachLogitChunk(a, in: first..<(first + row.count)) { rows, logits in
                    TokenLogProb.entropy(base + rows.lowerBound - first, logits: logits, lse: a.lse + rows.lowerBound,
                                         N: rows.count, V: V)
                }
            }
            return out
        }
    }

    /// Adds the gradient of a loss L at the logits, given dL/dlog p(targetₙ)
    /// (B·T) for the targets of the last `tokenLogProbabilities` call: the
    /// policy-gradient path of PPO and DPO.
    public func logProbabilityBackward(dlogp: [Float], targets: [Int32]) {
        let a = requireActivations()
        let N = a.B * a.T
        precondition(dlogp.count == N && targets.count == N, "logProbabilityBackward: need \(N) gradients and targets")
        if let kept = a.logpHiddenTargets, kept == targets {  // dhiddenₙ += dlogpₙ · ∂log pₙ/∂hiddenₙ
            let C = config.width
            Parallel.forEach(N, grain: 64) { rows in
                for n in rows where dlogp[n] != 0 {
                    let g = dlogp[n], d = a.dhidden + n * C, u = a.logpHidden + n * C
                    for c in 0..<C { d[c] += g * u[c] }
                }
            }
            return
        }
        dlogp.withUnsafeBufferPointer { d in
            targets.withUnsafeBufferPointer { t in
                eachLogitChunkBackward(a) { rows, logits, dlogits in
                    let n0 = rows.lowerBound
                    TokenLogProb.backward(dlogits: dlogits, dlogp: d.baseAddress! + n0, logits: logits, lse: a.lse + n0,
                                          targets: t.baseAddress! + n0, N: rows.count, V: config.vocabularySize)
                }
            }
        }
    }

    /// The scalar head at every position (B·T) of the last forward pass: a
    /// value model's per-token values.
    public func scalarValuesEveryPosition() -> [Float] {
        let a = requireActivations()
        // Every position as its own sequence of length 1: hidden (B·T, 1, C) is the same memory.
        return scalarValues(at: [Int32](repeating: 0, count: a.B * a.T), rows: a.B * a.T)
    }

    /// Adds the gradient of a loss with gradient `dvalues` (B·T) at every position's scalar.
    public func scalarBackwardEveryPosition(dvalues: [Float]) {
        let a = requireActivations()
        scalarBackward(dvalues: dvalues, at: [Int32](repeating: 0, count: a.B * a.T), rows: a.B * a.T)
    }
}
