extension Commands {
    static let quit = CommandSpec(
        "quit", summary: "end the session",
        help: "Ends the session (Ctrl-D does too). In a script, stops the script successfully.",
        examples: ["quit"]
    ) { _, _ in CommandOutput(quits: true) }
}
