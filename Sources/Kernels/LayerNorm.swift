/// Layer normalisation over the last axis (Ba, Kiros and Hinton, 2016), with
/// GPT-2's ε = 1e-5.
public enum LayerNorm {
    /// GPT-2's `layer_norm_epsilon`.
    public static let epsilon: Float = 1e-5

    /// out (N, C) = (inp − mean) · rstd · weight + bias, keeping each row's mean
    /// (N) and reciprocal standard deviation rstd (N) for the backward pass.
    public static func forward(
        out: UnsafeMutablePointer<Float>, mean: UnsafeMutablePointer<Float>,
        rstd: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>,
        weight: UnsafePointer<Float>, bias: UnsafePointer<Float>, N: Int, C: Int
    ) {
        Parallel.forEach(N, grain: 16) { rows in
            for n in rows {
                let x = inp + n * C, o = out + n * C
                var sum: Float = 0
                for c in 0..<C { sum += x[c] }
                let m = sum / Float(C)
                var sq: Float = 0
                for c in 0..<C { let d = x[c] - m; sq += d * d }
                let s = 1 / (sq / Float(C) + epsilon).squareRoot()
                for c in 0..<C { o[c] = (x[c] - m) * s * weight[c] + bias[c] }
                mean[n] = m
                rstd[n] = s
            }
        }
    }

    /// Adds the gradients of `forward`. With x̂ = (x − mean)·rstd and
    /// g = dout·weight: dinp += rstd·(g − mean(g) − x̂·mean(g·x̂)),
    /// dweight += Σₙ dout·x̂, dbias += Σₙ dout.
    public static func backward(
        dinp: UnsafeMutablePointer<Float>, dweight: UnsafeMutablePointer<Float>,
        dbias: UnsafeMutablePointer<Float>, dout: UnsafePointer<Float>,
        inp: UnsafePointer<Float>, weight: UnsafePointer<Float>,
        mean: UnsafePointer<Float>, rstd: UnsafePointer<Float>, N: Int, C: Int
    ) {
        Parallel.forEach(N, grain: 16) { rows in
            for n in rows {
                let x = inp + n * C, d = dout + n * C, dx = dinp + n * C
                let m = mean[n], s = rstd[n]
                var gMean: Float = 0, gxMean: Float = 0
                for c in 0..<C {
                    let g = d[c] * weight[c]
                    gMean += g
                    gxMean += g * (x[c] - m) * s
                }
                gMean /= Float(C)
                gxMean /= Float(C)
                for c in 0..<C {
                    let xhat = (x[c] - m) * s
                    dx[c] += s * (d[c] * weight[c] - gMean - xhat * gxMean)
                }
            }
        }
        // Parameter gradients: split over columns so no two threads share a sum.
        Parallel.forEach(C, grain: 16) { cols in
            let lo = cols.lowerBound, width = cols.count
            for n in 0..<N {
                let x = inp + n * C + lo, d = dout + n * C + lo
                let m = mean[n], s = rstd[n]
                for c in 0..<width {
                    dweight[lo + c] += d[c] * (x[c] - m) * s
                    dbias[lo + c] += d[c]
                }
            }
        }
    }
}
