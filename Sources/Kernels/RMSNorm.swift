/// Root-mean-square normalisation over the last axis (Zhang and Sennrich,
/// 2019), the Llama family's norm: no mean subtracted, no bias. ε comes from
/// the config (`rms_norm_eps`: 1e-5 in Llama 2 and SmolLM2, 1e-6 in Qwen2).
///
/// Each of the N rows (`stride` floats apart) holds `groups` groups of C
/// floats side by side, each normalised on its own with the one weight (C):
/// one group per row for a residual stream, a group per head for Qwen3's and
/// Gemma 3's q/k norms. Gemma's norms scale by (1 + w) rather than w:
/// `offset` 1 (transformers' Gemma3RMSNorm), 0 elsewhere.
public enum RMSNorm {
    /// out = inp · rstd · (offset + weight), rstd = 1/√(mean(inp²) + ε) per
    /// group, keeping each group's rstd (N · groups) for the backward pass.
    public static func forward(
        out: UnsafeMutablePointer<Float>, rstd: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>,
        weight: UnsafePointer<Float>, epsilon: Float, N: Int, C: Int, groups: Int = 1, stride: Int? = nil, offset: Float = 0
    ) {
        let S = stride ?? groups * C
        Parallel.forEach(N * groups, grain: 16) { units in
            for u in units {
                let at = (u / groups) * S + (u % groups) * C
                let x = inp + at, o = out + at
                let s = 1 / (dot(x, x, C) / Float(C) + epsilon).squareRoot()
                for c in 0..<C { o[c] = x[c] * s * (offset + weight[c]) }
                rstd[u] = s
            }
        }
    }

    /// Adds the gradients of `forward`. With x̂ = x·rstd and g = dout·(offset + weight):
    /// dinp += rstd·(g − x̂·mean(g·x̂)), dweight += Σ dout·x̂ over rows and groups.
    public static func backward(
        dinp: UnsafeMutablePointer<Float>, dweight: UnsafeMutablePointer<Float>, dout: UnsafePointer<Float>,
        inp: UnsafePointer<Float>, weight: UnsafePointer<Float>, rstd: UnsafePointer<Float>, N: Int, C: Int,
        groups: Int = 1, stride: Int? = nil, offset: Float = 0
    ) {
        let S = stride ?? groups * C
        Parallel.forEach(N * groups, grain: 16) { units in
            for u in units {
                let at = (u / groups) * S + (u % groups) * C
                let x = inp + at, d = dout + at, dx = dinp + at
                let s = rstd[u]
                var gx: Float = 0
                for c in 0..<C { gx += d[c] * (offset + weight[c]) * x[c] * s }
                gx /= Float(C)
                for c in 0..<C { dx[c] += s * (d[c] * (offset + weight[c]) - x[c] * s * gx) }
            }
        }
        // The weight's gradient: split over columns so no two threads share a sum.
        Parallel.forEach(C, grain: 16) { cols in
            let lo = cols.lowerBound, width = cols.count
            for u in 0..<(N * groups) {
                let at = (u / groups) * S + (u % groups) * C + lo
                let x = inp + at, d = dout + at, s = rstd[u]
                for c in 0..<width { dweight[lo + c] += d[c] * x[c] * s }
            }
        }
    }
}
