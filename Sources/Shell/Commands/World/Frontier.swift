import Foundation

/// The rows of one series that no other row of it beats with no more KL: the
/// highest win rate reached at each KL, rising with KL (a Pareto frontier).
struct Frontier {
    let rows: [ResultRow]
    let x: String

    init(_ all: [ResultRow], x: String) {
        self.x = x
        var kept: [ResultRow] = []
        precondition(all.allSatisfy { $0.values["win_rate"] != nil && $0.values[x] != nil }, "Frontier: every row needs a win rate and \(x)")
        // By KL, then the higher win rate first, then the order added (sorting is not stable).
        let order = all.indices.sorted { i, j in
            let (a, b) = (all[i], all[j])
            return (a.values[x]!, -a.values["win_rate"]!, i) < (b.values[x]!, -b.values["win_rate"]!, j)
        }
        for r in order.map({ all[$0] }) where r.values["win_rate"]! > (kept.last?.values["win_rate"] ?? -1) {
            kept.append(r)
        }
        rows = kept
    }

    /// The frontier's win rate at KL `k`: the best of the rows at no more KL (nil below its first).
    func value(at k: Double) -> Double? { rows.last { ($0.values[x] ?? 0) <= k }?.values["win_rate"] }

    /// Which frontier lies above the other over the KL both reach (by more than half a point somewhere, and
    /// nowhere below by as much), or that they cross; a description of point estimates, not a test.
    static func comparison(_ aName: String, _ a: Frontier, _ bName: String, _ b: Frontier, x: String) -> String {
        let lo = max(a.rows[0].values[x] ?? 0, b.rows[0].values[x] ?? 0)
        let hi = min(a.rows.last!.values[x] ?? 0, b.rows.last!.values[x] ?? 0)
        let knots = (a.rows + b.rows).compactMap { $0.values[x] }.filter { $0 >= lo && $0 <= hi } + [lo, hi]
        guard lo <= hi else { return "\(aName)'s and \(bName)'s frontiers share no KL: compare them with more points" }
        var aAbove = 0, bAbove = 0
        for k in knots {
            guard let va = a.value(at: k), let vb = b.value(at: k) else { continue }
            // Half a point is far inside any win rate's interval here: closer than that counts as level.
            if va > vb + 0.005 { aAbove += 1 } else if vb > va + 0.005 { bAbove += 1 }
        }
        let range = String(format: "from %.2f to %.2f nats; points, not a paired test", lo, hi)
        if aAbove > 0 && bAbove == 0 { return "\(aName)'s frontier lies above \(bName)'s over the KL both reach (\(range))" }
        if bAbove > 0 && aAbove == 0 { return "\(bName)'s frontier lies above \(aName)'s over the KL both reach (\(range))" }
        if aAbove == 0 && bAbove == 0 { return "\(aName)'s and \(bName)'s frontiers are level over the KL both reach (\(range))" }
        return String(format: "%@'s and %@'s frontiers cross between %.2f and %.2f nats (each above the other somewhere)", aName, bName, lo, hi)
    }
}
