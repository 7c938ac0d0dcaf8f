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
}
