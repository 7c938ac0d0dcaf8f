extension Commands {
    static let history = CommandSpec(
        "history",
        arguments: [.argument("COUNT", .integer(1...100_000), "how many recent lines", required: false)],
        summary: "show the lines run so far",
        help: "Lists the commands of this session, numbered, oldest first; with COUNT, only the last COUNT.",
        examples: ["history", "history 5"]
    ) { invocation, context in
        let lines = context.session.history.dropLast()  // not this `history` line itself
        let count = invocation.arguments["COUNT"].flatMap { Int($0) } ?? lines.count
        let first = max(0, lines.count - count)
        let width = String(lines.count).count
        let shown = lines.enumerated().dropFirst(first).map { i, line in
            String(repeating: " ", count: width - String(i + 1).count) + "\(i + 1)  \(line)"
        }
        return CommandOutput(shown.joined(separator: "\n"))
    }
}
