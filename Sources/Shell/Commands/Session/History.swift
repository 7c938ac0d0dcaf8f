extension Commands {
    static let history = CommandSpec(
        "history",
        arguments: [.argument("COUNT", .integer(1...100_000), "how many recent lines", required: false)],
        options: [Paging.option],
        summary: "show the lines run so far",
        help: "Lists the commands of this session, numbered, oldest first; with COUNT, only the last COUNT. More than \(Paging.rows) lines are shown a page at a time: the last page unless page=K asks for another.",
        examples: ["history", "history 5", "history page=1"]
    ) { invocation, context in
        let lines = context.session.history.dropLast()  // not this `history` line itself
        let count = invocation.arguments["COUNT"].flatMap { Int($0) } ?? lines.count
        let first = max(0, lines.count - count)
        let width = String(lines.count).count
        let listed = lines.enumerated().dropFirst(first).map { i, line in
            String(repeating: " ", count: width - String(i + 1).count) + "\(i + 1)  \(line)"
        }
        // The newest lines matter most: without page=, the last page.
        let lastPage = max(1, (listed.count + Paging.rows - 1) / Paging.rows)
        let paging = invocation.given.contains("page") ? Paging(invocation) : Paging(page: lastPage, size: Paging.rows)
        let range = try paging.range(of: listed.count, invocation)
        return CommandOutput(listed[range].map { $0 + "\n" }.joined() + paging.footer(count: listed.count, unit: "lines"))
    }
}
