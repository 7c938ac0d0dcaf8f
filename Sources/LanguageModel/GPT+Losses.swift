import Kernels

extension GPT {
    /// Language-model loss Σₙ wₙ·(−log p(targetₙ)) over the last forward pass's
    /// logits, with `weights` (B·T) choosing and scaling positions (zero for
    /// prompt tokens in SFT, 1/count for a mean), label-smoothed by
    /// `smoothing` (`CrossEntropy`). Adds the loss's gradient (scaled by
    /// `dloss`) into `logitGradients` when `backward` is true, ready for
    /// `backward()`.
    public func languageModelLoss(targets: [Int32], weights: [Float], smoothing: Float = 0, dloss: Float = 1, backward: Bool) -> Float {
        let a = requireActivations()
        let N = a.B * a.T, V = config.vocabularySize
        precondition(targets.count == N && weights.count == N, "languageModelLoss: need \(N) targets and weights")
        precondition(targets.allSatisfy { $0 >= 0 && Int($0) < V }, "languageModelLoss: target outside 0..<\(V)")
        return targets.withUnsafeBufferPointer { t in
            weights.withUnsafeBufferPointer { w in
                let t = t.baseAddress!, w = w.baseAddress!
                var sums = [Float](repeating: 0, count: smoothing != 0 ? N : 0)
                sums.withUnsafeMutableBufferPointer { sums in
                    let sumsBase = smoothing != 0 ? sums.baseAddress : nil  // an empty array's base may be shared storage
                    let body = { (rows: Range<Int>, logits: UnsafeMutablePointer<Float>, dlogits: UnsafeMutablePointer<Float>?) in
                        let n0 = rows.lowerBound, n = rows.count
                        TokenLogProb.forward(logp: a.logp + n0, lse: a.lse + n0, logits: logits, targets: t + n0, N: n, V: V)
                        if let s = sumsBase { CrossEntropy.rowSums(s + n0, logits: logits, weights: w + n0, N: n, V: V) }
                        guard let dlogits else { return }
                        CrossEntropy.backward(dlogits: dlogits, scratch: a.lossScratch + n0, logits: logits, lse: a.lse + n0,
                                              targets: t + n0, weights: w + n0, smoothing: smoothing, dloss: dloss, N: n, V: V)
                    }
                    if backward {
                        eachLogitChunkBackward(a) { body($0, $1, $2) }
                    } else {
                        eachLogitChunk(a) { body($0, $1, nil) }
                    }
                }
                return sums.withUnsafeBufferPointer { sums in
                    CrossEntropy.total(logp: a.logp, lse: a.lse, sums: smoothing != 0 ? sums.baseAddress : nil, weights: w,
                                       smoothing: smoothing, N: N, V: V)
                }
            }
        }
    }

    /// Log-probabilities (B·T) of `targets` under the last forward pass's logits:
    /// entry (b, t) is log p(targets[b, t] | tokens[b, ...t]).
    public func tokenLogProbabilities(targets: [Int32]) -> [Float] {
        let a = requireActivations()
        let N = a.B * a.T
        precondition(targets.count == N, "tokenLogProbabilities: need \(N) targets")
        precondition(targets.allSatisfy { $0 >= 0 && Int($0) < config.vocabularySize }, "tokenLogProbabilities: target outside the vocabulary")
        // A frozen head (adapters) and a backward to come: keep each position's ∂log p/∂hidden now,
        // from the logits at hand, rather than compute the chunk's logits again in the backward.
        let keepsDirections = a.head == .chunked && a.memory != .none && lora != nil
        let V = config.vocabularySize
        let ones = [Float](repeating: 1, count: keepsDirections ? a.headRows : 0)
        targets.withUnsafeBufferPointer { t in
            ones.withUnsafeBufferPointer { ones in
                eachLogitChunk(a) { rows, logits in
                    let n0 = rows.lowerBound, t = t.baseAddress! + n0
                    TokenLogProb.forward(logp: a.logp + n0, lse: a.lse + n0, logits: logits, targets: t, N: rows.count, V: V)
                    guard keepsDirections else { return }
                    a.dlogits.update(repeating: 0, count: rows.count * V)
                    TokenLogProb.backward(dlogits: a.dlogits, dlogp: ones.baseAddress!, logits: logits, lse: a.lse + n0,
                                          targets: t, N: rows.count, V: V)
                    throughHead(a, rows: rows, into: a.logpHidden, accumulate: false)
                }
            }
        }
        a.logpHiddenTargets = keepsDirections ? targets : nil
        return Array(UnsafeBufferPointer(start: a.logp, count: N))
    }

    /// The scalar head (B) read at `positions[b]` of each sequence (the last
    /// non-padding token) from the last forward pass.
    public func scalarValues(at positions: [Int32]) -> [Float] {
        scalarValues(at: positions, rows: requireActivations().B)
    }

    /// Adds the gradient of a loss with gradient `dvalues` (B) at the scalar head:
    /// into `score.weight`'s gradient, and into `hiddenGradients` for `backward`.
    public func scalarBackward(dvalues: [Float], at positions: [Int32]) {
        scalarBackward(dvalues: dvalues, at: positions, rows: requireActivations().B)
    }

    /// The scalar head over the hidden states seen as `rows` sequences of
    /// B·T/rows positions each.
    func scalarValues(at positions: [Int32], rows: Int) -> [Float] {
        precondition(hasScalarHead, "scalarValues: this model has no scalar head")
        let a = requireActivations()
        let T = a.B * a.T / rows
        precondition(positions.count == rows, "scalarValues: need one position per sequence")
        precondition(positions.allSatisfy { $0 >= 0 && Int($0) < T }, "scalarValues: position outside 0..<\(T)")
        var values = [Float](repeating: 0, count: rows)
        positions.withUnsafeBufferPointer { p in
            ScalarHead.forward(values: &values, hidden: a.lnf, positions: p.baseAddress!,
                               weight: parameters.pointer + scoreOffset, B: rows, T: T, C: config.width)
        }
        return values
    }

    /// Where `score.weight` starts (a model with a scalar head has one).
    var scoreOffset: Int {
        guard let o = layout.score else { preconditionFailure("this model has no scalar head") }
        return o
    }

    /// The backward of `scalarValues(at:rows:)`.
    func scalarBackward(dvalues: [Float], at positions: [Int32], rows: Int) {
        precondition(hasScalarHead, "scalarBackward: this model has no scalar head")
        let a = requireActivations()
        let T = a.B * a.T / rows
        precondition(positions.count == rows && dvalues.count == rows, "scalarBackward: need one position and gradient per sequence")
        precondition(positions.allSatisfy { $0 >= 0 && Int($0) < T }, "scalarBackward: position outside 0..<\(T)")
        positions.withUnsafeBufferPointer { p in
            ScalarHead.backward(dhidden: a.dhidden, dweight: gradients.pointer + scoreOffset, dvalues: dvalues,
                                hidden: a.lnf, positions: p.baseAddress!, weight: parameters.pointer + scoreOffset,
                                B: rows, T: T, C: config.width)
        }
    }
}
