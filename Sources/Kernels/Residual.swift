/// The residual connection of a transformer block.
public enum Residual {
    /// out (N) = a + b.
    public static func forward(
        out: UnsafeMutablePointer<Float>, a: UnsafePointer<Float>, b: UnsafePointer<Float>, N: Int
    ) {
        Parallel.forEach(N, grain: 65536) { r in
            for i in r { out[i] = a[i] + b[i] }
        }
    }

    /// da += dout and db += dout.
    public static func backward(
        da: UnsafeMutablePointer<Float>, db: UnsafeMutablePointer<Float>, dout: UnsafePointer<Float>, N: Int
    ) {
        Parallel.forEach(N, grain: 65536) { r in
            for i in r {
                da[i] += dout[i]
                db[i] += dout[i]
            }
        }
    }
}
