extension Commands {
    static let exit = CommandSpec(
        "exit", summary: "end the session (same as quit)",
        help: "Ends the session, like quit.", examples: ["exit"]
    ) { _, _ in CommandOutput(quits: true) }
}
