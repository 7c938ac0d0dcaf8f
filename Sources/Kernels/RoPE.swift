import Foundation

/// Rotary position embeddings (Su et al. 2021, "RoFormer"), in the layout
/// Hugging Face's Llama uses (`rotate_half`): in each head of size hs, element
/// i < hs/2 pairs with element i + hs/2, and the pair turns by the angle
/// position · f_i, f_i = θ^(−2i/hs) (possibly rescaled, `frequencies`).
public enum RoPE {
    /// The hs/2 inverse frequencies θ^(−2i/hs), i = 0 ..< hs/2, as Hugging
    /// Face's `_compute_default_rope_parameters` makes them, and with
    /// `llama3` Llama 3.1's rescaling (`_compute_llama3_parameters` in
    /// transformers' modeling_rope_utils.py): wavelengths 2π/f longer than
    /// original/lowFactor are divided by `factor`, shorter than
    /// original/highFactor kept, and those between blended by
    /// s = (original/wavelength − lowFactor)/(highFactor − lowFactor) as
    /// (1 − s)·f/factor + s·f.
    public static func frequencies(headSize hs: Int, theta: Double, llama3: Llama3Scaling? = nil) -> [Float] {
        (0..<(hs / 2)).map { i in
            // transformers computes the base frequencies in float32.
            let f = Double(1 / Float(pow(theta, Double(2 * i) / Double(hs))))
            guard let s = llama3 else { return Float(f) }
            let wavelength = 2 * Double.pi / f
            let low = s.originalContext / s.lowFrequencyFactor, high = s.originalContext / s.highFrequencyFactor
            if wavelength > low { return Float(f / s.factor) }
            if wavelength < high { return Float(f) }
            let smooth = (s.originalContext / wavelength - s.lowFrequencyFactor) / (s.highFrequencyFactor - s.lowFrequencyFactor)
            return Float((1 - smooth) * f / s.factor + smooth * f)
        }
    }

    /// Llama 3.1's `rope_scaling` of type "llama3".
    public struct Llama3Scaling: Sendable, Equatable {
        public var factor: Double, lowFrequencyFactor: Double, highFrequencyFactor: Double, originalContext: Double
        public init(factor: Double, lowFrequencyFactor: Double, highFrequencyFactor: Double, originalContext: Double) {
            self.factor = factor
            self.lowFrequencyFactor = lowFrequencyFactor
            self.highFrequencyFactor = highFrequencyFactor
            self.originalContext = originalContext
        }
    }

    /// Rotates in place the `heads` heads of size hs that start at column
    /// `column` of each of the N rows of `x` (row stride `stride`); row n is
    /// at position `positions[n]`. `inverse` turns the other way: the backward
    /// pass of a rotation is its inverse applied to the gradient.
    public static func rotate(
        _ x: UnsafeMutablePointer<Float>, stride: Int, column: Int, heads: Int, headSize hs: Int,
        positions: UnsafePointer<Int32>, frequencies: UnsafePointer<Float>, N: Int, inverse: Bool = false
    ) {
        let half = hs / 2
        Parallel.forEach(N, grain: 8) { rows in
            withUnsafeTemporaryAllocation(of: Float.self, capacity: hs) { table in
                let cos = table.baseAddress!, sin = cos + half
                for n in rows {
                    // transformers forms the angle in float32, then cos and sin of it.
                    let p = Float(positions[n])
                    for i in 0..<half {
                        let angle = Double(p * frequencies[i])
                        cos[i] = Float(Foundation.cos(angle))
                        sin[i] = inverse ? -Float(Foundation.sin(angle)) : Float(Foundation.sin(angle))
                    }
                    for h in 0..<heads {
                        let a = x + n * stride + column + h * hs, b = a + half
                        for i in 0..<half {
                            let u = a[i], v = b[i]
                            a[i] = u * cos[i] - v * sin[i]
                            b[i] = v * cos[i] + u * sin[i]
                        }
                    }
                }
            }
        }
    }
}
