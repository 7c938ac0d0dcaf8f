extension Commands {
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
}
