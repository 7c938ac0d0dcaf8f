import Datasets
import Kernels

/// A pair an AI labeler judges: two responses to one of the source's prompts
/// (`item`, its index there), each marked when it was cut at max_tokens.
public struct JudgedPair: Sendable, Equatable {
    public var item: Int
    public var prompt: String
    public var unsafe: Bool
    public var a: String, b: String
    public var aCut: Bool, bCut: Bool

    public init(item: Int, prompt: String, unsafe: Bool, a: String, b: String, aCut: Bool = false, bCut: Bool = false) {
        self.item = item
        self.prompt = prompt
        self.unsafe = unsafe
        self.a = a
        self.b = b
        self.aCut = aCut
        self.bCut = bCut
    }
}

/// RLAIF's labelling (Lee et al. 2023): every pair judged by the labeler in
/// both orders, each under its own principle where a constitution draws one
/// per pair (Bai et al. 2022, §4.1), and the verdicts made preference records.
extension AILabeler {
    /// Each pair's label, judged under `principles[i]` (nil: none), in chunks
    /// of `chunk` pairs of one principle; `monitor` sees each chunk.
    public func label<Failure: Error>(_ pairs: [JudgedPair], principles: [String?], chunk: Int = 32,
                                      monitor: WorkMonitor<Failure> = .none) throws(Failure) -> [Label] {
        precondition(principles.count == pairs.count, "AILabeler.label: one principle (or nil) per pair")
        var out = [Label?](repeating: nil, count: pairs.count), done = 0
        monitor.progress(0, of: pairs.count)
        for rule in Set(principles).sorted(by: { ($0 ?? "") < ($1 ?? "") }) {
            var judge = self
            judge.principle = rule
            let mine = pairs.indices.filter { principles[$0] == rule }
            for start in stride(from: 0, to: mine.count, by: chunk) {
                try monitor.checkpoint()
                let part = mine[start..<min(start + chunk, mine.count)]
                for (i, label) in zip(part, judge.label(part.map { (prompt: pairs[$0].prompt, a: pairs[$0].a, b: pairs[$0].b) })) {
                    out[i] = label
                }
                done += part.count
                monitor.progress(done, of: pairs.count)
            }
        }
        return out.map { $0! }
    }

    /// The preference records of labelled pairs, grouped by prompt in the
    /// order of their items: the preferred response chosen, rated by the
    /// labeler's confidence (`rating`), its probability kept, a cut side
    /// marked. A pair whose preference is exactly ½ gives no record; `ties` counts them.
    public static func records(_ pairs: [JudgedPair], _ labels: [Label]) -> (byPrompt: [[Record]], ties: Int) {
        precondition(pairs.count == labels.count, "AILabeler.records: one label per pair")
        var byItem: [Int: [Record]] = [:], ties = 0
        for (pair, label) in zip(pairs, labels) {
            guard label.preference != 0.5 else { ties += 1; continue }
            let aWins = label.preference > 0.5
            byItem[pair.item, default: []].append(.preference(
                prompt: pair.prompt, chosen: aWins ? pair.a : pair.b, rejected: aWins ? pair.b : pair.a, margin: nil,
                rating: rating(label.preference), probability: max(label.preference, 1 - label.preference),
                truncated: PairSides(winner: aWins ? pair.aCut : pair.bCut, loser: aWins ? pair.bCut : pair.aCut)))
        }
        return (byItem.keys.sorted().map { byItem[$0]! }, ties)
    }

    /// A preference p as a Llama 2 rating, by its confidence |2p − 1|: 0.75
    /// and above significantly better, 0.5 better, 0.25 slightly better, below
    /// negligibly better or unsure (our cut points; Lee et al. keep p itself).
    public static func rating(_ p: Double) -> Rating {
        switch abs(2 * p - 1) {
        case 0.75...: .significantlyBetter
        case 0.5...: .better
        case 0.25...: .slightlyBetter
        default: .negligiblyBetter
        }
    }
}
