import Kernels
import Testing

/// Finite-difference checking in the manner of llm.c's `check_tensor`: the
/// loss is a fixed random linear function of a kernel's outputs, its gradient
/// at each checked input element is estimated by central differences in
/// Double, and the largest disagreement with the analytic backward is printed.
struct GradientCheck {
    var rng = Random(seed: 7)

    /// `n` normal(0, std) floats.
    mutating func buffer(_ n: Int, std: Float = 1) -> FloatBuffer {
        let b = FloatBuffer(count: n)
        rng.fillNormal(b.pointer, n, std: std)
        return b
    }

    /// Compares `analytic` (the gradient of `loss` with respect to `input`)
    /// against central differences at up to `samples` elements of `input`.
    /// Returns the largest difference |a − n| / (1e-3 + 0.1·mean|a| + |n|) after
    /// printing it, and records an expectation failure above `tolerance`.
    @discardableResult
    static func compare(
        _ label: String, input: FloatBuffer, analytic: FloatBuffer, samples: Int = 48,
        epsilon: Float = 1e-2, tolerance: Double = 2e-2, loss: () -> Double
    ) -> Double {
        // Float32 outputs put noise of about 1e-7·|loss|/ε into each estimate, so
        // differences are measured against the gradient's typical size as well.
        let typical = analytic.array.map { abs(Double($0)) }.reduce(0, +) / Double(max(analytic.count, 1))
        var worst = 0.0
        let stride = max(1, input.count / samples)
        var i = 0
        while i < input.count {
            let saved = input[i]
            input[i] = saved + epsilon
            let up = loss()
            input[i] = saved - epsilon
            let down = loss()
            input[i] = saved
            let numeric = (up - down) / (2 * Double(epsilon))
            let diff = abs(numeric - Double(analytic[i])) / (1e-3 + 0.1 * typical + abs(numeric))
            worst = max(worst, diff)
            i += stride
        }
        print("gradient check \(label): max relative diff \(worst)")
        #expect(worst < tolerance, "\(label): max relative diff \(worst)")
        return worst
    }
}

/// Σ out[i]·w[i] in Double: a loss whose gradient at `out` is `w`.
func weightedSum(_ out: UnsafePointer<Float>, _ w: FloatBuffer) -> Double {
    var s = 0.0
    for i in 0..<w.count { s += Double(out[i]) * Double(w[i]) }
    return s
}
