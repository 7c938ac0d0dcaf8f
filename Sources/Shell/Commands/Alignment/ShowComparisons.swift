import Datasets

extension Commands {
    static let showComparisons = CommandSpec(
        "show comparisons",
        arguments: [.argument("DATA", .name, "a dataset of rankings or preference pairs"),
                    .argument("INDEX", .integer(1...Int.max), "which record, from 1", required: false)],
        options: [Paging.option],
        summary: "expand a ranking into the C(K,2) comparisons a reward model learns from",
        help: """
            Shows one record of DATA: a ranking of K responses, best first, and the \
            C(K,2) pairwise comparisons it stands for (InstructGPT trains on all of \
            them, in one batch element; 45 are listed to a page, page=K lists \
            the others; a ranking holds at most 64 responses), or a rated pair with its \
            Llama 2 margins.
            """,
        examples: ["show comparisons prefs.rankings 1", "show comparisons prefs.rankings 1 page=2"]
    ) { invocation, context in
        let s = context.session
        let name = invocation.argument("DATA")
        let data = try s.dataset(name, in: invocation, argument: "DATA")
        let index = invocation.arguments["INDEX"].flatMap { Int($0) } ?? 1
        guard index <= data.records.count else {
            throw invocation.error("\(name) has \(plural(data.records.count, "record")); give an index from 1 to \(data.records.count)", at: "INDEX")
        }
        let record = data.records[index - 1]
        let letters = (0..<26).map { String(UnicodeScalar(UInt8(65 + $0))) }
        switch record {
        case let .ranking(prompt, responses, ranking, truncated):
            var out = "prompt: \(prompt)\n"
            for (i, r) in responses.enumerated() { out += "  \(letters[i % 26]): \(r)\(truncated.contains(i) ? cutMark : "")\n" }
            out += "ranking (best first): " + ranking.map { letters[$0 % 26] }.joined(separator: " > ") + "\n"
            let pairs = Rankings.pairs(ranking), page = Paging(invocation, size: 45)  // C(10,2): a ranking of ten in full
            let shown = try page.range(of: pairs.count, invocation)
            out += "C(\(responses.count),2) = \(pairs.count) comparisons (winner > loser): "
                + pairs[shown].map { "\(letters[$0.winner % 26]) > \(letters[$0.loser % 26])" }.joined(separator: ", ") + "\n"
                + page.footer(count: pairs.count, unit: "comparisons")
            s.values["comparisons.count"] = Double(pairs.count)
            return CommandOutput(out)
        case let .preference(prompt, chosen, rejected, margin, rating, probability, truncated):
            var out = "prompt: \(prompt)\n  chosen:   \(chosen)\(truncated.contains(.chosen) ? cutMark : "")\n"
                + "  rejected: \(rejected)\(truncated.contains(.rejected) ? cutMark : "")\n"
            if let rating {
                out += "rating: \(rating.label) (margin " + String(format: "%.2f small, %.0f large", rating.smallMargin, rating.largeMargin) + ")\n"
            } else if let margin {
                out += "margin: \(format(margin))\n"
            }
            if let probability { out += "soft label: chosen is the better with probability " + String(format: "%.3f", probability) + " (loss=soft trains on it)\n" }
            out += "1 comparison: chosen > rejected\n"
            s.values["comparisons.count"] = 1
            return CommandOutput(out)
        default:
            throw invocation.error("\(name) holds \(record.kind) records, which make no comparisons; label a sample set first", at: "DATA")
        }
    }
}
