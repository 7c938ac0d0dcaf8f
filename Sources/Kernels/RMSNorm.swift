/// Root-mean-square normalisation over the last axis (Zhang and Sennrich,
/// 2019), the Llama family's norm: no mean subtracted, no bias. ε comes from
/// the config (`rms_norm_eps`: 1e-5 in Llama 2 and SmolLM2, 1e-6 in Qwen2).
public enum RMSNorm {
    /// out (N, C) = inp · rstd · weight, rstd = 1/√(mean(inp²) + ε), keeping
    /// each row's rstd (N) for the backward pass.
    public static func forward(
        out: UnsafeMutablePointer<Float>, rstd: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>,
        weight: UnsafePointer<Float>, epsilon: Float, N: Int, C: Int
    ) {
        Parallel.forEach(N, grain: 16) { rows in
            for n in rows {
                let x = inp + n * C, o = out + n * C
                let s = 1 / (dot(x, x, C) / Float(C) + epsilon).squareRoot()
                for c in 0..<C { o[c] = x[c] * s * weight[c] }
                rstd[n] = s
            }
        }
    }

    /// Adds the gradients of `forward`. With x̂ = x·rstd and g = dout·weight:
    /// dinp += rstd·(g − x̂·mean(g·x̂)), dweight += Σₙ dout·x̂.
    public static func backward(
        dinp: UnsafeMutablePointer<Float>, dweight: UnsafeMutablePointer<Float>, dout: UnsafePointer<Float>,
        inp: UnsafePointer<Float>, weight: UnsafePointer<Float>, rstd: UnsafePointer<Float>, N: Int, C: Int
    ) {
        Parallel.forEach(N, grain: 16) { rows in
            for n in rows {
                let x = inp + n * C, d = dout + n * C, dx = dinp + n * C
                let s = rstd[n]
                var gx: Float = 0
                for c in 0..<C { gx += d[c] * weight[c] * x[c] * s }
                gx /= Float(C)
                for c in 0..<C { dx[c] += s * (d[c] * weight[c] - x[c] * s * gx) }
            }
        }
        // The weight's gradient: split over columns so no two threads share a sum.
        Parallel.forEach(C, grain: 16) { cols in
            let lo = cols.lowerBound, width = cols.count
            for n in 0..<N {
                let x = inp + n * C + lo, d = dout + n * C + lo, s = rstd[n]
                for c in 0..<width { dweight[lo + c] += d[c] * x[c] * s }
            }
        }
    }
}
