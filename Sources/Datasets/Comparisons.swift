/// Llama 2's four-level rating of a binary comparison, strongest first
/// (Touvron et al. 2023, §3.2.1): how much better the chosen response is.
public enum Rating: Int, CaseIterable, Sendable, Comparable {
    case significantlyBetter, better, slightlyBetter, negligiblyBetter

    /// The label annotators choose.
    public var label: String {
        ["significantly better", "better", "slightly better", "negligibly better or unsure"][rawValue]
    }
    /// The word JSONL files use (`"rating": "slightly_better"`).
    public var key: String { ["significantly_better", "better", "slightly_better", "negligibly_better"][rawValue] }
    /// The rating written as `key`.
    public init?(key: String) {
        guard let found = Rating.allCases.first(where: { $0.key == key }) else { return nil }
        self = found
    }
    /// Llama 2's margins for the margin loss (Touvron et al. 2023, Table 27): small and large.
    public var smallMargin: Double { [1, 2.0 / 3, 1.0 / 3, 0][rawValue] }
    public var largeMargin: Double { [3, 2, 1, 0][rawValue] }

    public static func < (a: Rating, b: Rating) -> Bool { a.rawValue < b.rawValue }
}

/// One comparison: which of two responses to a prompt won.
public struct Comparison: Sendable, Equatable {
    public var prompt: String
    public var chosen: String
    public var rejected: String
    /// The rating, when the labeler gave one.
    public var rating: Rating?
    /// The sides that were cut at a token limit (they never ended their turn).
    public var truncated: PairSides

    public init(prompt: String, chosen: String, rejected: String, rating: Rating? = nil, truncated: PairSides = []) {
        self.prompt = prompt
        self.chosen = chosen
        self.rejected = rejected
        self.rating = rating
        self.truncated = truncated
    }
}

/// Rankings into pairwise comparisons (Ouyang et al. 2022, §3.5: K ranked
/// responses give C(K,2) comparisons).
public enum Rankings {
    /// The C(K,2) (winner, loser) index pairs of `ranking` (response indices,
    /// best first), in the order a reader checks them: the best against each
    /// below it, then the second best, and so on. `[2, 0, 3, 1]` gives
    /// (2,0) (2,3) (2,1) (0,3) (0,1) (3,1).
    public static func pairs(_ ranking: [Int]) -> [(winner: Int, loser: Int)] {
        var out: [(winner: Int, loser: Int)] = []
        for i in ranking.indices {
            for j in (i + 1)..<ranking.count { out.append((ranking[i], ranking[j])) }
        }
        return out
    }

    /// The comparisons a record holds: one for a preference pair, C(K,2) for a
    /// ranking, none for other kinds.
    public static func comparisons(_ record: Record) -> [Comparison] {
        switch record {
        case let .preference(p, c, r, _, rating, _, truncated):
            return [Comparison(prompt: p, chosen: c, rejected: r, rating: rating, truncated: truncated)]
        case let .ranking(p, responses, ranking, truncated):
            return pairs(ranking).map {
                Comparison(prompt: p, chosen: responses[$0.winner], rejected: responses[$0.loser],
                           truncated: PairSides(winner: truncated.contains($0.winner), loser: truncated.contains($0.loser)))
            }
        default:
            return []
        }
    }
}

extension PairSides {
    /// The sides cut, from whether the winner (chosen) and the loser (rejected) were.
    public init(winner: Bool, loser: Bool) {
        self = []
        if winner { insert(.chosen) }
        if loser { insert(.rejected) }
    }
}

/// What a consumer of preferences does with a pair one of whose responses was
/// cut at a token limit: keep it (read without an end-of-turn token it never
/// produced) or drop it.
public enum TruncatedPairs: String, Sendable, CaseIterable {
    case keep, drop
}

/// One response labelled desirable or not, as KTO trains on it.
public struct UnpairedExample: Sendable, Equatable {
    public var prompt: String, completion: String
    public var desirable: Bool
    /// Cut at a token limit (it never ended its turn).
    public var truncated: Bool

    public init(prompt: String, completion: String, desirable: Bool, truncated: Bool = false) {
        self.prompt = prompt
        self.completion = completion
        self.desirable = desirable
        self.truncated = truncated
    }

    /// The examples a record holds: an unpaired record itself; every
    /// comparison of a pair or a ranking split in two, the chosen response
    /// desirable and the rejected one not (TRL's unpair_preference_dataset);
    /// none for other kinds.
    public static func examples(_ record: Record) -> [UnpairedExample] {
        if case let .unpaired(p, c, label, truncated) = record {
            return [UnpairedExample(prompt: p, completion: c, desirable: label, truncated: truncated)]
        }
        return Rankings.comparisons(record).flatMap { c in
            [UnpairedExample(prompt: c.prompt, completion: c.chosen, desirable: true, truncated: c.truncated.contains(.chosen)),
             UnpairedExample(prompt: c.prompt, completion: c.rejected, desirable: false, truncated: c.truncated.contains(.rejected))]
        }
    }
}
