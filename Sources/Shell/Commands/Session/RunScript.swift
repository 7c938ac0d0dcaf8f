extension Commands {
    static let run = CommandSpec(
        "run",
        arguments: [.argument("FILE", .path, "a script of rlhf commands")],
        summary: "run the commands of a script file in this session",
        help: """
            Runs each line of FILE as if typed here: the objects it makes stay in the \
            session. The first error stops the script and is reported as file:line. \
            Scripts may run other scripts, up to 16 deep.
            """,
        examples: ["run scripts/tour.rlhf"]
    ) { invocation, context in
        try context.runner.runScript(invocation.argument("FILE"), depth: context.depth)
        return CommandOutput()
    }
}
