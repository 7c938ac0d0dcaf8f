import Datasets

extension Commands {
    static let mergeData = CommandSpec(
        "merge data",
        arguments: [.argument("NAME", .name, "the dataset to make"), .argument("FIRST", .name, "a dataset"),
                    .argument("SECOND", .name, "a dataset of the same kind")],
        summary: "join two datasets of one kind into one (FIRST's records, then SECOND's)",
        help: """
            Makes NAME from FIRST's records followed by SECOND's, which must be of \
            the same kind (both preference pairs, say): Constitutional AI's \
            preference model learns from AI harmlessness labels and human \
            helpfulness labels together. Chain it for more. FIRST.heldout and \
            SECOND.heldout, where they exist, are joined into NAME.heldout too.
            """,
        examples: ["merge data mixed harmless_ai helpful_human"]
    ) { invocation, context in
        let s = context.session
        let name = invocation.argument("NAME")
        let firstName = invocation.argument("FIRST"), secondName = invocation.argument("SECOND")
        let first = try s.dataset(firstName, in: invocation, argument: "FIRST")
        let second = try s.dataset(secondName, in: invocation, argument: "SECOND")
        guard first.kind == second.kind else {
            throw invocation.error("\(firstName) holds \(first.kind) records and \(secondName) \(second.kind) records; "
                + "merge datasets of one kind", at: "SECOND")
        }
        let source = "merge of \(firstName) and \(secondName)"
        s.datasets[name] = Dataset(records: first.records + second.records, source: source)
        s.touch(name)
        s.values["\(name).count"] = Double(first.records.count + second.records.count)
        var out = "\(name): \(first.records.count + second.records.count) \(first.kind) records "
            + "(\(first.records.count) from \(firstName), \(second.records.count) from \(secondName))"
        // NAME.heldout is made anew (or removed), never left from an earlier NAME.
        let parts = [firstName, secondName].compactMap { s.datasets[$0 + ".heldout"] }.filter { $0.kind == first.kind }
        s.datasets[name + ".heldout"] = nil
        if !parts.isEmpty {
            s.datasets[name + ".heldout"] = Dataset(records: parts.flatMap(\.records), source: source + " (held out)")
            s.touch(name + ".heldout")
            out += "; \(name).heldout: \(parts.map(\.records.count).reduce(0, +))"
            if parts.count == 1 { out += " (only one of them has a held-out part)" }
        }
        return CommandOutput(out)
    }
}
