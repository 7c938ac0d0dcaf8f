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
        let paging = Paging(invocation), paged = invocation.given.contains("page")
        let range = paged ? try paging.range(of: listed.count, invocation) : max(0, listed.count - Paging.rows)..<listed.count
        let footer = paged ? paging.footer(count: listed.count, unit: "lines")
            : range.lowerBound > 0 ? "  the last \(Paging.rows) of \(listed.count) lines; page=1 lists them from the first\n" : ""
        return CommandOutput(listed[range].map { $0 + "\n" }.joined() + footer)
    }
}
