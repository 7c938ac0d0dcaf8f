/// pass@k and maj@k on tasks with a checkable answer: how often at least one
/// of k samples is right, and how often the most common answer of k samples is.
/// RL with a verifier is said to raise pass@1 and majority vote while pass@k
/// at large k stays or falls (DeepSeekMath §5.2.2; Yue et al. 2025).
public enum PassAtK {
    /// The unbiased estimate of pass@k from n samples of which c are right
    /// (Chen et al. 2021, Codex, arXiv 2107.03374, eq. 1), in the numerically
    /// stable product form of their code:
    ///
    ///     pass@k = 1 − C(n − c, k) / C(n, k) = 1 − Π_{i = n−c+1}^{n} (1 − k/i)
    public static func estimate(samples n: Int, correct c: Int, k: Int) -> Double {
        precondition(k >= 1 && k <= n && c >= 0 && c <= n, "PassAtK.estimate: need 1 ≤ k ≤ n and 0 ≤ c ≤ n")
        if c == 0 { return 0 }
        if n - c < k { return 1 }
        var miss = 1.0
        for i in (n - c + 1)...n { miss *= 1 - Double(k) / Double(i) }
        return 1 - miss
    }

    /// maj@k from n answers: the share of the ⌊n/k⌋ disjoint groups of k (in
    /// order) whose most common final answer is `right`. A tie between answers
    /// goes to the one seen first; an answer that could not be read (nil) never wins.
    public static func majority(_ answers: [String?], right: String, k: Int) -> Double {
        precondition(k >= 1 && answers.count >= k, "PassAtK.majority: need at least k answers")
        let groups = answers.count / k
        var hits = 0
        for g in 0..<groups {
            var counts: [String: Int] = [:], order: [String] = []
            for case let a? in answers[(g * k)..<(g * k + k)] {
                if counts[a] == nil { order.append(a) }
                counts[a, default: 0] += 1
            }
            var winner: String?, most = 0
            for a in order where counts[a]! > most { (winner, most) = (a, counts[a]!) }
            if winner == right { hits += 1 }
        }
        return Double(hits) / Double(groups)
    }
}
