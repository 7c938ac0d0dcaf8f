/// The shape of one layer's attention: NH query heads and NKV key/value heads
/// of size hs (hs need not be the model's width / NH: Qwen3 and Gemma 3 set it
/// apart), the factor on q·k (1/√hs, or Gemma 3's 1/√query_pre_attn_scalar),
/// and a sliding window (Mistral, Gemma 3's local layers): a row at position t
/// attends to positions t − window + 1 ... t only, as transformers' mask has
/// it (`kv_idx > q_idx − sliding_window`).
public struct AttentionShape: Sendable, Equatable {
    public var heads: Int, kvHeads: Int, headSize: Int
    public var scale: Float
    public var window: Int?

    public init(heads: Int, kvHeads: Int? = nil, headSize: Int, scale: Float? = nil, window: Int? = nil) {
        self.heads = heads
        self.kvHeads = kvHeads ?? heads
        self.headSize = headSize
        self.scale = scale ?? 1 / Float(headSize).squareRoot()
        self.window = window
    }

    /// Width of the queries and of the output: NH·hs.
    public var width: Int { heads * headSize }
    /// Width of a fused row [q | k | v]: NH·hs + 2·NKV·hs.
    public var row: Int { (heads + 2 * kvHeads) * headSize }
    /// The first position a row at position t attends to.
    @inlinable public func first(_ t: Int) -> Int { window.map { max(0, t - $0 + 1) } ?? 0 }
}

/// Causal multi-head self-attention (Vaswani et al., 2017), with grouped
/// query heads (Ainslie et al. 2023, GQA) when NKV < NH. One fused
/// projection gives each row [q (NH·hs) | k (NKV·hs) | v (NKV·hs)]
/// (GPT-2: NKV = NH, hs = C / NH, each part C wide); query head h reads
/// key/value head h / (NH / NKV).
public enum Attention {
    /// out (B, T, NH·hs) = softmax(scale·q·kᵀ, causal, windowed) · v per head,
    /// from inp (B, T, row); keeps the probabilities att (B, NH, T, T), zero
    /// outside the mask, for the backward pass. Each head's products go
    /// through single-threaded BLAS; heads run in parallel.
    public static func forward(
        out: UnsafeMutablePointer<Float>, att: UnsafeMutablePointer<Float>,
        inp: UnsafePointer<Float>, B: Int, T: Int, shape: AttentionShape
    ) {
        let NH = shape.heads, hs = shape.headSize, kv = shape.kvHeads, group = NH / kv, row = shape.row, C = shape.width
        let scale = shape.scale
        Parallel.forEach(B * NH) { units in
            for unit in units {
                let b = unit / NH, h = unit % NH
                let q = inp + b * T * row + h * hs, k = inp + b * T * row + C + (h / group) * hs, v = k + kv * hs
                let p = att + unit * T * T
                // S = scale·q·kᵀ (T, T), then a causal (windowed) softmax row by row.
                gemmSerial(transB: true, M: T, N: T, K: hs, alpha: scale, A: q, lda: row, B: k, ldb: row,
                           beta: 0, C: p, ldc: T)
                for t in 0..<T {
                    let lo = shape.first(t)
                    (p + t * T).update(repeating: 0, count: lo)
                    softmaxInPlace(p + t * T + lo, t + 1 - lo)
                    (p + t * T + t + 1).update(repeating: 0, count: T - t - 1)
                }
                // out = P·v (T, hs), written into this head's columns.
                gemmSerial(M: T, N: hs, K: T, A: p, lda: T, B: v, ldb: row, beta: 0,
                           C: out + b * T * C + h * hs, ldc: C)
            }
        }
    }

    /// Adds the gradient of `forward` into dinp (B, T, row), given
    /// dout (B, T, NH·hs). With P the probabilities and dP = dout·vᵀ: dv += Pᵀ·dout,
    /// dS = P ⊙ (dP − rowsum(P ⊙ dP)), dq += scale·dS·k, dk += scale·dSᵀ·q (P is
    /// zero outside the mask, so dS is too). The query heads that share a
    /// key/value head run in turn on one thread, so their sums into dk and dv
    /// never race. `scratch` holds B·NH·T·T floats.
    public static func backward(
        dinp: UnsafeMutablePointer<Float>, dout: UnsafePointer<Float>, inp: UnsafePointer<Float>,
        att: UnsafePointer<Float>, scratch: UnsafeMutablePointer<Float>, B: Int, T: Int, shape: AttentionShape
    ) {
        let NH = shape.heads, hs = shape.headSize, kv = shape.kvHeads, group = NH / kv, row = shape.row, C = shape.width
        let scale = shape.scale
        Parallel.forEach(B * kv) { units in
            for unit in units {
                let b = unit / kv, g = unit % kv
                let k = inp + b * T * row + C + g * hs, v = k + kv * hs
                let dk = dinp + b * T * row + C + g * hs, dv = dk + kv * hs
                for h in (g * group)..<((g + 1) * group) {
                    let q = inp + b * T * row + h * hs, dq = dinp + b * T * row + h * hs
                    let d = dout + b * T * C + h * hs
                    let p = att + (b * NH + h) * T * T, ds = scratch + (b * NH + h) * T * T
                    gemmSerial(transB: true, M: T, N: T, K: hs, A: d, lda: C, B: v, ldb: row, beta: 0, C: ds, ldc: T)
                    gemmSerial(transA: true, M: T, N: hs, K: T, A: p, lda: T, B: d, ldb: C, beta: 1, C: dv, ldc: row)
                    for t in 0..<T {
                        let pr = p + t * T, dr = ds + t * T
                        let rowDot = dot(pr, dr, t + 1)
                        for j in 0...t { dr[j] = pr[j] * (dr[j] - rowDot) * scale }
                        (dr + t + 1).update(repeating: 0, count: T - t - 1)
                    }
                    gemmSerial(M: T, N: hs, K: T, A: ds, lda: T, B: k, ldb: row, beta: 1, C: dq, ldc: row)
                    gemmSerial(transA: true, M: T, N: hs, K: T, A: ds, lda: T, B: q, ldb: row, beta: 1, C: dk, ldc: row)
                }
            }
        }
    }
}

/// Replaces the `n` floats at `x` by their softmax. A NaN, a +∞, or a row of
/// nothing but −∞ gives NaN everywhere (as PyTorch does), so bad numbers are
/// never hidden.
@inlinable
public func softmaxInPlace(_ x: UnsafeMutablePointer<Float>, _ n: Int) {
    let m = maximum(x, n)
    guard m.isFinite else { x.update(repeating: .nan, count: n); return }
    let mv = SIMD16<Float>(repeating: m)
    var acc = SIMD16<Float>()
    var i = 0
    while i + 16 <= n {
        let e = exp16(load16(x + i) - mv)
        store16(e, x + i)
        acc += e
        i += 16
    }
    var sum = horizontalSum(acc)
    while i < n { x[i] = expScalar(x[i] - m); sum += x[i]; i += 1 }
    let inv = 1 / sum
    for j in 0..<n { x[j] *= inv }
}

/// log Σᵢ exp(x[i]) over `n` floats, without changing them; NaN when one is
/// NaN or +∞, −∞ when all are −∞.
@inlinable
public func logSumExp(_ x: UnsafePointer<Float>, _ n: Int) -> Float {
    let m = maximum(x, n)
    guard m.isFinite else { return m == -.infinity ? -.infinity : .nan }
    let mv = SIMD16<Float>(repeating: m)
    var acc = SIMD16<Float>()
    var i = 0
    while i + 16 <= n { acc += exp16(load16(x + i) - mv); i += 16 }
    var sum = horizontalSum(acc)
    while i < n { sum += expScalar(x[i] - m); i += 1 }
    return m + logScalar(sum)
}

/// The natural logarithm of a positive float, through Double `portableLog`
/// so that results do not depend on the platform's libm.
@inlinable
public func logScalar(_ x: Float) -> Float {
    if x.isNaN || x < 0 { return .nan }
    if x == 0 { return -.infinity }
    if x.isInfinite { return .infinity }
    return Float(portableLog(Double(x)))
}

extension Attention {
    /// Attention of new rows against a key/value cache, for sampling.
    ///
    /// Row r is query q (R, NH·hs) of sequence `slots[r]` at position `positions[r]`;
    /// it attends to keys and values (S, NKV, T_max, hs) of its slot at the
    /// positions its mask allows up to positions[r], which must already hold this
    /// step's entries (query head h reads key/value head h / (NH / NKV)). Each
    /// head's cache is contiguous, so a query streams through it. out (R, NH·hs).
    public static func forwardCached(
        out: UnsafeMutablePointer<Float>, q: UnsafePointer<Float>, qStride: Int,
        keys: UnsafePointer<Float>, values: UnsafePointer<Float>,
        slots: UnsafePointer<Int32>, positions: UnsafePointer<Int32>, R: Int, TMax: Int, shape: AttentionShape
    ) {
        let NH = shape.heads, hs = shape.headSize, kv = shape.kvHeads, group = NH / kv, C = shape.width
        let scale = shape.scale
        Parallel.forEach(R * NH, grain: 32) { units in
            withUnsafeTemporaryAllocation(of: Float.self, capacity: TMax) { scratch in
                let a = scratch.baseAddress!
                for unit in units {
                    let r = unit / NH, h = unit % NH
                    let p = Int(positions[r])
                    let kBase = keys + (Int(slots[r]) * kv + h / group) * TMax * hs
                    let vBase = values + (Int(slots[r]) * kv + h / group) * TMax * hs
                    let qr = q + r * qStride + h * hs
                    let lo = shape.first(p)
                    for t2 in lo...p { a[t2] = dot(qr, kBase + t2 * hs, hs) * scale }
                    softmaxInPlace(a + lo, p + 1 - lo)
                    let o = out + r * C + h * hs
                    o.update(repeating: 0, count: hs)
                    for t2 in lo...p { axpy(a[t2], vBase + t2 * hs, o, hs) }
                }
            }
        }
    }
}
