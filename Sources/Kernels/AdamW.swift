/// AdamW's hyperparameters, with the defaults used to train GPT-2-sized models
/// (nanoGPT and llm.c: β₂ = 0.95, weight decay 0.1, clip at norm 1).
public struct AdamWSettings: Codable, Sendable, Equatable {
    /// Step size.
    public var learningRate: Float = 3e-4
    /// Decay of the first-moment average.
    public var beta1: Float = 0.9
    /// Decay of the second-moment average.
    public var beta2: Float = 0.95
    /// Added to √v̂ to keep the step finite.
    public var epsilon: Float = 1e-8
    /// Decoupled weight decay λ, applied to matrices only.
    public var weightDecay: Float = 0.1
    /// Gradients are scaled down so their global L2 norm is at most this; 0 turns clipping off.
    public var maxGradNorm: Float = 1

    /// The defaults above, with any of them replaced.
    public init(learningRate: Float = 3e-4, weightDecay: Float = 0.1, maxGradNorm: Float = 1) {
        self.learningRate = learningRate
        self.weightDecay = weightDecay
        self.maxGradNorm = maxGradNorm
    }
}

/// What one optimiser step did.
public struct AdamWStep: Sendable, Equatable {
    /// The global L2 norm of the gradient before clipping.
    public var gradientNorm: Float
    /// False when the gradient held NaN or infinity and the step was refused.
    public var applied: Bool
}

/// AdamW (Loshchilov and Hutter, "Decoupled Weight Decay Regularization", 2019,
/// Algorithm 2), in PyTorch's order:
///   g ← g · min(1, maxNorm / ‖g‖)
///   m ← β₁m + (1−β₁)g,  v ← β₂v + (1−β₂)g²
///   θ ← θ(1 − ηλ) − η · (m / (1−β₁ᵗ)) / (√(v / (1−β₂ᵗ)) + ε)
/// with λ = 0 on biases and LayerNorm weights (every range not marked decayed).
/// The moments live in two buffers laid out like the parameters from `origin` on
/// (a model with adapters trains only its tail).
public final class AdamW {
    /// The hyperparameters; may change between steps (learning-rate schedules).
    public var settings: AdamWSettings
    /// First and second moment estimates.
    public let m: FloatBuffer, v: FloatBuffer
    /// Steps applied so far (t in the bias corrections).
    public private(set) var step = 0
    /// Element ranges of the parameter buffer, each decayed or not.
    public let segments: [(range: Range<Int>, decays: Bool)]
    /// The parameter the moments' element 0 stands for.
    public let origin: Int

    /// An optimiser for the `count` parameters from `origin` on, split into
    /// `segments` (ranges of the whole parameter buffer, within those).
    public init(count: Int, origin: Int = 0, segments: [(range: Range<Int>, decays: Bool)], settings: AdamWSettings) {
        precondition(segments.allSatisfy { $0.range.lowerBound >= origin && $0.range.upperBound <= origin + count },
                     "AdamW: a segment outside the parameters it holds moments for")
        self.settings = settings
        self.segments = segments
        self.origin = origin
        m = FloatBuffer(count: count)
        v = FloatBuffer(count: count)
    }

    /// Restores a saved state.
    public func restore(step: Int, m: FloatBuffer, v: FloatBuffer) {
        self.step = step
        self.m.copy(from: m)
        self.v.copy(from: v)
    }

    /// Updates `parameters` from `gradients` (both indexed from parameter 0; the
    /// elements `origin..<origin + m.count` are read). Refuses the step, changing
    /// nothing, when the gradient is not finite.
    @discardableResult
    public func update(parameters: UnsafeMutablePointer<Float>, gradients: UnsafePointer<Float>) -> AdamWStep {
        let n = m.count
        let norm = l2Norm(gradients + origin, n)
        guard norm.isFinite else { return AdamWStep(gradientNorm: norm, applied: false) }
        step += 1
        let s = settings
        let clip: Float = s.maxGradNorm > 0 && norm > s.maxGradNorm ? s.maxGradNorm / norm : 1
        let c1 = 1 / (1 - pow(s.beta1, step)), c2 = 1 / (1 - pow(s.beta2, step))
        let mp = m.pointer - origin, vp = v.pointer - origin  // indexed like the parameters
        for segment in segments {
            let shrink: Float = segment.decays ? 1 - s.learningRate * s.weightDecay : 1
            let lo = segment.range.lowerBound
            Parallel.forEach(segment.range.count, grain: 16384) { r in
                for i in (lo + r.lowerBound)..<(lo + r.upperBound) {
                    let g = gradients[i] * clip
                    mp[i] = s.beta1 * mp[i] + (1 - s.beta1) * g
                    vp[i] = s.beta2 * vp[i] + (1 - s.beta2) * g * g
                    let mhat = mp[i] * c1, vhat = vp[i] * c2
                    parameters[i] = parameters[i] * shrink - s.learningRate * mhat / (vhat.squareRoot() + s.epsilon)
                }
            }
        }
        return AdamWStep(gradientNorm: norm, applied: true)
    }
}

/// The L2 norm of `n` floats: each fixed block of 65,536 summed in Float
/// lanes, the blocks added in Double in order, so the result does not depend
/// on the thread count.
public func l2Norm(_ x: UnsafePointer<Float>, _ n: Int) -> Float {
    let block = 65536
    let blocks = (n + block - 1) / block
    return withUnsafeTemporaryAllocation(of: Double.self, capacity: max(blocks, 1)) { partial in
        let p = partial.baseAddress!
        Parallel.forEach(blocks) { r in
            for k in r {
                var acc = SIMD16<Float>()
                var i = k * block
                let end = min(n, i + block)
                var tail: Double = 0
                while i + 16 <= end { let v = load16(x + i); acc.addProduct(v, v); i += 16 }
                while i < end { tail += Double(x[i] * x[i]); i += 1 }
                p[k] = Double(horizontalSum(acc)) + tail
            }
        }
        var total: Double = 0
        for k in 0..<blocks { total += p[k] }
        return Float(total.squareRoot())
    }
}

/// xⁿ for a non-negative integer n, by repeated squaring (no libm).
@inlinable
public func pow(_ x: Float, _ n: Int) -> Float {
    var result: Double = 1, base = Double(x), e = n
    while e > 0 {
        if e & 1 == 1 { result *= base }
        base *= base
        e >>= 1
    }
    return Float(result)
}
