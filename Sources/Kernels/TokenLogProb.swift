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
                let row = logits + n * V, d = dlogits + n * V
                let g = dlogp[n]
                let shift = SIMD16<Float>(repeating: lse[n]), minusG = SIMD16<Float>(repeating: -g)
                var v = 0
                while v + 16 <= V {
                    var acc = load16(d + v)
                    acc.addProduct(minusG, exp16(load16(row + v) - shift))
                    store16(acc, d + v)
                    v += 16
                }
                while v < V { d[v] -= g * expScalar(row[v] - lse[n]); v += 1 }
                d[Int(targets[n])] += g
            }
        }
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

/// Cross-entropy over the vocabulary with a weight per position:
/// loss = Σₙ wₙ · (−log p(targetₙ)). Weights of zero mask positions out (SFT
/// trains on response tokens only); weights of 1/count give a mean.
public enum CrossEntropy {
    /// Returns the weighted loss and fills logp and lse (N) for `backward`.
    public static func forward(
        logp: UnsafeMutablePointer<Float>, lse: UnsafeMutablePointer<Float>,
        logits: UnsafePointer<Float>, targets: UnsafePointer<Int32>,
        weights: UnsafePointer<Float>, N: Int, V: Int
    ) -> Float {
        TokenLogProb.forward(logp: logp, lse: lse, logits: logits, targets: targets, N: N, V: V)
        var loss: Float = 0
        for n in 0..<N where weights[n] != 0 { loss -= weights[n] * logp[n] }
        return loss
    }

    /// dlogits += dloss · wₙ · (softmax − onehot), using `scratch` (N) for −dloss·w.
    public static func backward(
        dlogits: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>,
        logits: UnsafePointer<Float>, lse: UnsafePointer<Float>, targets: UnsafePointer<Int32>,
        weights: UnsafePointer<Float>, dloss: Float = 1, N: Int, V: Int
    ) {
        for n in 0..<N { scratch[n] = -dloss * weights[n] }
        TokenLogProb.backward(
            dlogits: dlogits, dlogp: scratch, logits: logits, lse: lse, targets: targets, N: N, V: V)
    }
}
