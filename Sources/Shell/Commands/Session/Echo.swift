extension Commands {
    static let echo = CommandSpec(
        "echo",
        arguments: [.argument("TEXT...", .string, "words to print", required: false)],
        summary: "print text (variables expanded)",
        help: "Prints its words separated by spaces, after $variables are replaced. Scripts use it to explain what comes next.",
        examples: ["echo Step 1: a tokenizer", "echo \"the seed is $seed\""]
    ) { invocation, _ in
        CommandOutput((invocation.arguments["TEXT..."] ?? "") + "\n")
    }

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

    static let timer = CommandSpec(
        "timer",
        arguments: [.argument("STATE", .choice(["on", "off"]), "on or off")],
        summary: "print each command's time after it",
        help: "With timer on, every command is followed by its wall-clock time, such as [1.42 s].",
        examples: ["timer on"]
    ) { invocation, context in
        context.session.timer = invocation.argument("STATE") == "on"
        return CommandOutput()
    }

    static let quit = CommandSpec(
        "quit", summary: "end the session",
        help: "Ends the session (Ctrl-D does too). In a script, stops the script successfully.",
        examples: ["quit"]
    ) { _, _ in CommandOutput(quits: true) }

    static let exit = CommandSpec(
        "exit", summary: "end the session (same as quit)",
        help: "Ends the session, like quit.", examples: ["exit"]
    ) { _, _ in CommandOutput(quits: true) }
}
