/// A scalar head read at one position per sequence: the reward or value of a
/// sequence is w · h[b, position_b] (Hugging Face's GPT2ForSequenceClassification
/// `score`, which has no bias, read at the last non-padding token).
public enum ScalarHead {
    /// values (B) = weight (C) · hidden[b, positions[b]], for hidden (B, T, C).
    public static func forward(
        values: UnsafeMutablePointer<Float>, hidden: UnsafePointer<Float>,
        positions: UnsafePointer<Int32>, weight: UnsafePointer<Float>, B: Int, T: Int, C: Int
    ) {
        for b in 0..<B { values[b] = dot(weight, hidden + (b * T + Int(positions[b])) * C, C) }
    }

    /// dhidden[b, positions[b]] += dvalues[b]·weight and dweight += Σ_b dvalues[b]·hidden[b, positions[b]].
    public static func backward(
        dhidden: UnsafeMutablePointer<Float>, dweight: UnsafeMutablePointer<Float>,
        dvalues: UnsafePointer<Float>, hidden: UnsafePointer<Float>,
        positions: UnsafePointer<Int32>, weight: UnsafePointer<Float>, B: Int, T: Int, C: Int
    ) {
        for b in 0..<B {
            let row = (b * T + Int(positions[b])) * C
            axpy(dvalues[b], weight, dhidden + row, C)
            axpy(dvalues[b], hidden + row, dweight, C)
        }
    }
}
