import Kernels

/// The LM head a chunk of positions at a time (`HeadPass.chunked`): the logits of
/// `headChunk` positions are computed, read by a loss, and carried back into
/// the hidden states' gradient (and the head's) before the next chunk is computed
/// into the same buffer. A held pass's logits are read in place, in one chunk.
extension GPT {
    /// Calls `body(rows, logits)` for consecutive chunks of the positions in `range`
    /// (all of them by default), `logits` holding those rows' (rows.count, V) logits.
    func eachLogitChunk(_ a: Activations, in range: Range<Int>? = nil,
                        _ body: (Range<Int>, UnsafeMutablePointer<Float>) -> Void) {
        let all = range ?? 0..<(a.B * a.T), C = config.width, V = config.vocabularySize
        switch a.head {
        case .held:
            body(all, a.logits + all.lowerBound * V)
        case .chunked:
            var start = all.lowerBound
            while start < all.upperBound {
                let rows = start..<min(all.upperBound, start + a.headRows)
                gemm(transB: true, M: rows.count, N: V, K: C, A: a.lnf + rows.lowerBound * C, lda: C,
                     B: matrix(headOffset), ldb: C, C: a.logits, ldc: V, fewRows: a.headFewRows)
                body(rows, a.logits)
                start = rows.upperBound
            }
        case .skipped:
            preconditionFailure("the last forward pass skipped the LM head")
        }
    }

    /// Runs `body(rows, logits, dlogits)` for each chunk as `eachLogitChunk` does, with
    /// `dlogits` (rows.count, V) zero for the loss to add its gradient into; a chunked
    /// pass then carries it at once into `hiddenGradients` (dhidden += dlogits · head)
    /// and, when the head trains, into its gradient (dhead += dlogitsᵀ · hidden), as
    /// `backward` does for held logits.
    func eachLogitChunkBackward(_ a: Activations, in range: Range<Int>? = nil,
                                _ body: (Range<Int>, UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>) -> Void) {
        let C = config.width, V = config.vocabularySize
        eachLogitChunk(a, in: range) { rows, logits in
            guard a.head == .chunked else { return body(rows, logits, a.dlogits + rows.lowerBound * V) }
            a.dlogits.update(repeating: 0, count: rows.count * V)
            body(rows, logits, a.dlogits)
            throughHead(a, rows: rows, into: a.dhidden, accumulate: true)
            if lora == nil {
                gemm(transA: true, M: V, N: C, K: rows.count, A: a.dlogits, lda: V, B: a.lnf + rows.lowerBound * C, ldb: C,
                     beta: 1, C: gradients.pointer + headOffset, ldc: C)
            }
        }
    }

    /// out[rows] (+)= dlogits · head: a chunk's logit gradient (in `a.dlogits`) carried to the hidden states.
    func throughHead(_ a: Activations, rows: Range<Int>, into out: UnsafeMutablePointer<Float>, accumulate: Bool) {
        let C = config.width, V = config.vocabularySize
        gemm(M: rows.count, N: C, K: V, A: a.dlogits, lda: V, B: matrix(headOffset), ldb: C, beta: accumulate ? 1 : 0,
             C: out + rows.lowerBound * C, ldc: C, fewRows: a.headFewRows)
    }
}
