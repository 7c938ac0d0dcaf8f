/// Per-token log-probabilities of given tokens under the softmax of the
/// logits: the quantity PPO's ratio, DPO's implicit reward and cross-entropy
/// are all made of.
public enum TokenLogProb {
    /// logp (N) = logits[n, targets[n]] − lse[n], with lse (N) = log Σᵥ exp(logits[n, v])
    /// kept for the backward pass. logits (N, V).
    public static func forward(
        logp: UnsafeMutablePointer<Float>, lse: UnsafeMutablePointer<Float>,
        logits: UnsafePointer<Float>, targets: UnsafePointer<Int32>, N: Int, V: Int
    ) {
        Parallel.forEach(N, grain: 8) { rows in
            for n in rows {
                let row = logits + n * V
                lse[n] = logSumExp(row, V)
                logp[n] = row[Int(targets[n])] - lse[n]
            }
        }
    }

    /// dlogits (N, V) += dlogp[n] · (onehot(targets[n]) − softmax(logits[n])).
    /// Rows whose dlogp is exactly zero are skipped (masked positions cost nothing).
    public static func backward(
        dlogits: UnsafeMutablePointer<Float>, dlogp: UnsafePointer<Float>,
        logits: UnsafePointer<Float>, lse: UnsafePointer<Float>, targets: UnsafePointer<Int32>,
        N: Int, V: Int
    ) {
        Parallel.forEach(N, grain: 8) { rows in
            for n in rows where dlogp[n] != 0 {
                let g = dlogp[n]
                addSoftmax(dlogits + n * V, logits + n * V, lse: lse[n], scale: -g, constant: 0, V: V)
                dlogits[n * V + Int(targets[n])] += g
            }
        }
    }

    /// d[v] += scale · softmax(row)[v] + constant for every v of one row of V
    /// logits whose log-sum-exp is `lse`: the one pass over the vocabulary
    /// that every gradient of a log-softmax makes.
    static func addSoftmax(_ d: UnsafeMutablePointer<Float>, _ row: UnsafePointer<Float>, lse: Float,
                           scale: Float, constant: Float, V: Int) {
        let shift = SIMD16<Float>(repeating: lse), s = SIMD16<Float>(repeating: scale), c = SIMD16<Float>(repeating: constant)
        var v = 0
        while v + 16 <= V {
            var acc = load16(d + v) + c
            acc.addProduct(s, exp16(load16(row + v) - shift))
            store16(acc, d + v)
            v += 16
        }
        while v < V { d[v] += scale * expScalar(row[v] - lse) + constant; v += 1 }
    }

    /// entropy (N) = −Σᵥ p log p of softmax(logits[n]), given lse from `forward`.
    public static func entropy(
        _ entropy: UnsafeMutablePointer<Float>, logits: UnsafePointer<Float>,
        lse: UnsafePointer<Float>, N: Int, V: Int
    ) {
        Parallel.forEach(N, grain: 8) { rows in
            for n in rows {
                let row = logits + n * V
                var expected: Float = 0  // Σ p·logit
                for v in 0..<V { expected += expScalar(row[v] - lse[n]) * row[v] }
                entropy[n] = lse[n] - expected
            }
        }
    }
}

/// Cross-entropy over the vocabulary with a weight per position, optionally
/// label-smoothed (Szegedy et al. 2016, §7; the form of Hugging Face's
/// LabelSmoother, which HIR trains with at ε = 0.2): the target distribution
/// is (1 − ε)·onehot + ε·uniform, so
///
///     loss = Σₙ wₙ · [(1 − ε)·(−log p(targetₙ)) + ε·(1/V)·Σᵥ(−log p(v))]
///
/// and (1/V)·Σᵥ(−log p(v)) = lse − mean(logits). Weights of zero mask
/// positions out (SFT trains on response tokens only); weights of 1/count
/// give a mean. ε = 0 is plain cross-entropy.
public enum CrossEntropy {
    /// Returns the weighted loss and fills logp and lse (N) for `backward`.
    public static func forward(
        logp: UnsafeMutablePointer<Float>, lse: UnsafeMutablePointer<Float>,
        logits: UnsafePointer<Float>, targets: UnsafePointer<Int32>,
        weights: UnsafePointer<Float>, smoothing: Float = 0, N: Int, V: Int
    ) -> Float {
        TokenLogProb.forward(logp: logp, lse: lse, logits: logits, targets: targets, N: N, V: V)
        guard smoothing != 0 else { return total(logp: logp, lse: lse, sums: nil, weights: weights, smoothing: 0, N: N, V: V) }
        return withUnsafeTemporaryAllocation(of: Float.self, capacity: N) { sums in
            rowSums(sums.baseAddress!, logits: logits, weights: weights, N: N, V: V)
            return total(logp: logp, lse: lse, sums: sums.baseAddress!, weights: weights, smoothing: smoothing, N: N, V: V)
        }
    }

    /// sums[n] = Σᵥ logits[n, v] at the rows whose weight is not zero: what label smoothing's uniform part reads.
    public static func rowSums(
        _ sums: UnsafeMutablePointer<Float>, logits: UnsafePointer<Float>, weights: UnsafePointer<Float>, N: Int, V: Int
    ) {
        for n in 0..<N where weights[n] != 0 {
            let row = logits + n * V
            var sum: Float = 0
            for v in 0..<V { sum += row[v] }
            sums[n] = sum
        }
    }

    /// The weighted loss from rows' logp and lse (and, when smoothing, their `rowSums`), summed in row order.
    public static func total(
        logp: UnsafePointer<Float>, lse: UnsafePointer<Float>, sums: UnsafePointer<Float>?,
        weights: UnsafePointer<Float>, smoothing: Float, N: Int, V: Int
    ) -> Float {
        var loss: Float = 0
        for n in 0..<N where weights[n] != 0 {
            let uniform = smoothing != 0 ? lse[n] - sums![n] / Float(V) : 0
            loss += weights[n] * ((1 - smoothing) * -logp[n] + smoothing * uniform)
        }
        return loss
    }

    /// dlogits += dloss · wₙ · (softmax − (1 − ε)·onehot − ε/V), using
    /// `scratch` (N) for −dloss·w when ε = 0.
    public static func backward(
        dlogits: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>,
        logits: UnsafePointer<Float>, lse: UnsafePointer<Float>, targets: UnsafePointer<Int32>,
        weights: UnsafePointer<Float>, smoothing: Float = 0, dloss: Float = 1, N: Int, V: Int
    ) {
        guard smoothing != 0 else {
            for n in 0..<N { scratch[n] = -dloss * weights[n] }
            TokenLogProb.backward(
                dlogits: dlogits, dlogp: scratch, logits: logits, lse: lse, targets: targets, N: N, V: V)
            return
        }
        Parallel.forEach(N, grain: 8) { rows in
            for n in rows where weights[n] != 0 {
                let g = dloss * weights[n]
                TokenLogProb.addSoftmax(dlogits + n * V, logits + n * V, lse: lse[n], scale: g, constant: -g * smoothing / Float(V), V: V)
                dlogits[n * V + Int(targets[n])] -= g * (1 - smoothing)
            }
        }
    }
}
