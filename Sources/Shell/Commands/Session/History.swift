extension Commands {
    static let history = CommandSpec(
        "history",
        arguments: [.argument("COUNT", .integer(1...100_000), "how many recent lines", required: false)],
        options: [Paging.option],
        summary: "show the lines run so far",
        help: "Lists the commands of this session, numbered, oldest first; with COUNT, only the last COUNT. Of more than \(Paging.rows) lines, the last \(Paging.rows) are shown; page=K lists them from the first, \(Paging.rows) to a page.",
        examples: ["history", "history 5", "history page=1"]
    ) { invocation, context in
        let lines = context.session.history.dropLast()  // not this `history` line itself
        let count = invocation.arguments["COUNT"].flatMap { Int($0) } ?? lines.count
        let first = max(0, lines.count - count)
        let width = String(lines.count).count
        let listed = lines.enumerated().dropFirst(first).map { i, line in
            String(repeating: " ", count: width - String(i + 1).count) + "\(i + 1)  \(line)"
        }
        // The newest lines matter most: without page=, the last page's worth.
        guard invocation.given.contains("page") else {
            let shown = max(0, listed.count - Paging.rows)..<listed.count
            return CommandOutput(listed[shown].map { $0 + "\n" }.joined()
                + (shown.lowerBound > 0 ? "  the last \(Paging.rows) of \(listed.count) lines; page=1 lists them from the first\n" : ""))
        }
        let paging = Paging(invocation)
        let range = try paging.range(of: listed.count, invocation)
        return CommandOutput(listed[range].map { $0 + "\n" }.joined() + paging.footer(count: listed.count, unit: "lines"))
    }
}
