/// Token plus learned position embedding, GPT-2's first layer (the Llama
/// family has no position table: its positions are rotary, in attention).
public enum Embedding {
    /// out (N, C) = wte[tokens[n]] + wpe[positions[n]], for token table wte (V, C)
    /// and position table wpe (T_max, C), or wte[tokens[n]] alone when wpe is nil
    /// (either table binary32 or bfloat16).
    public static func forward(
        out: UnsafeMutablePointer<Float>, tokens: UnsafePointer<Int32>,
        positions: UnsafePointer<Int32>, wte: Weight, wpe: Weight?,
        N: Int, C: Int
    ) {
        Parallel.forEach(N, grain: 32) { rows in
            for n in rows {
                wte.row(Int(tokens[n]), columns: C, into: out + n * C)
                wpe?.addRow(Int(positions[n]), columns: C, to: out + n * C)
            }
        }
    }

    /// dwte[tokens[n]] += dout[n] and dwpe[positions[n]] += dout[n] (when dwpe is not nil). Split over
    /// columns, so rows that share a token never race and the order of additions
    /// does not depend on the thread count.
    public static func backward(
        dwte: UnsafeMutablePointer<Float>, dwpe: UnsafeMutablePointer<Float>?,
        dout: UnsafePointer<Float>, tokens: UnsafePointer<Int32>,
        positions: UnsafePointer<Int32>, N: Int, C: Int
    ) {
        Parallel.forEach(C, grain: 16) { cols in
            let lo = cols.lowerBound, width = cols.count
            for n in 0..<N {
                let d = dout + n * C + lo
                let t = dwte + Int(tokens[n]) * C + lo
                for c in 0..<width { t[c] += d[c] }
                guard let dwpe else { continue }
                let p = dwpe + Int(positions[n]) * C + lo
                for c in 0..<width { p[c] += d[c] }
            }
        }
    }
}
