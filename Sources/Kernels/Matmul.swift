/// A fully connected layer. The weight is stored (in, out) in GPT-2's Conv1D
/// layout, as Hugging Face stores `c_attn`, `c_proj` and `c_fc`, or with
/// `outIn` (out, in), as PyTorch's Linear stores the Llama family's projections.
/// The weight may be bfloat16 (a frozen one: it has no gradient then).
public enum Matmul {
    /// out (N, OC) = inp (N, C) · weight (C, OC) + bias (OC), or inp · weightᵀ
    /// for a weight (OC, C) when `outIn`; `bias` may be nil.
    public static func forward(
        out: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>,
        weight: Weight, bias: UnsafePointer<Float>?, N: Int, C: Int, OC: Int, outIn: Bool = false
    ) {
        if let bias {
            Parallel.forEach(N, grain: 64) { rows in
                for n in rows { (out + n * OC).update(from: bias, count: OC) }
            }
        }
        gemm(transB: outIn, M: N, N: OC, K: C, A: inp, lda: C, B: weight, ldb: outIn ? C : OC,
             beta: bias == nil ? 0 : 1, C: out, ldc: OC)
    }

    /// Adds the gradients of `forward`: dinp (N, C) += dout · weightᵀ,
    /// dweight (C, OC) += inpᵀ · dout, dbias (OC) += Σₙ dout[n]; when `outIn`,
    /// dinp += dout · weight and dweight (OC, C) += doutᵀ · inp. `dinp` may be
    /// nil (the first layer's input needs no gradient), and so may `dweight` and
    /// `dbias` (a frozen layer's).
    public static func backward(
        dinp: UnsafeMutablePointer<Float>?, dweight: UnsafeMutablePointer<Float>?,
        dbias: UnsafeMutablePointer<Float>?, dout: UnsafePointer<Float>,
        inp: UnsafePointer<Float>, weight: Weight, N: Int, C: Int, OC: Int, outIn: Bool = false
    ) {
        if let dinp {
            gemm(transB: !outIn, M: N, N: C, K: OC, A: dout, lda: OC, B: weight, ldb: outIn ? C : OC,
                 beta: 1, C: dinp, ldc: C)
        }
        if let dbias { addColumnSums(dbias, dout, rows: N, columns: OC) }
        guard let dweight else { return }
        guard case .float = weight else { preconditionFailure("Matmul.backward: a bfloat16 weight has no gradient") }
        if outIn {
            gemm(transA: true, M: OC, N: C, K: N, A: dout, lda: OC, B: inp, ldb: C, beta: 1, C: dweight, ldc: C)
        } else {
            gemm(transA: true, M: C, N: OC, K: N, A: inp, lda: C, B: dout, ldb: OC, beta: 1, C: dweight, ldc: OC)
        }
    }

    /// `forward` with a binary32 weight.
    public static func forward(
        out: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>,
        weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?, N: Int, C: Int, OC: Int, outIn: Bool = false
    ) {
        forward(out: out, inp: inp, weight: .float(weight), bias: bias, N: N, C: C, OC: OC, outIn: outIn)
    }

    /// `backward` with a binary32 weight.
    public static func backward(
        dinp: UnsafeMutablePointer<Float>?, dweight: UnsafeMutablePointer<Float>?,
        dbias: UnsafeMutablePointer<Float>?, dout: UnsafePointer<Float>,
        inp: UnsafePointer<Float>, weight: UnsafePointer<Float>, N: Int, C: Int, OC: Int, outIn: Bool = false
    ) {
        backward(dinp: dinp, dweight: dweight, dbias: dbias, dout: dout, inp: inp, weight: .float(weight),
                 N: N, C: C, OC: OC, outIn: outIn)
    }
}

/// sums (C) += Σ over rows of x (N, C), split over columns so the order of
/// additions is the same for any thread count.
public func addColumnSums(
    _ sums: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, rows N: Int, columns C: Int
) {
    Parallel.forEach(C, grain: 64) { cols in
        let lo = cols.lowerBound, width = cols.count
        let s = sums + lo
        for n in 0..<N {
            let row = x + n * C + lo
            for j in 0..<width { s[j] += row[j] }
        }
    }
}
