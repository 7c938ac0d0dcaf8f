extension Commands {
    static let unset = CommandSpec(
        "unset",
        arguments: [.argument("NAME", .name, "a variable")],
        summary: "forget a variable",
        help: "Removes a variable set with set. Settings cannot be unset; set them to a new value.",
        examples: ["unset prompt"]
    ) { invocation, context in
        let name = invocation.argument("NAME")
        guard context.session.variables.removeValue(forKey: name) != nil else {
            if Settings.known.contains(where: { $0.name == name }) {
                throw invocation.error("\(name) is a setting; give it a new value with set \(name) VALUE", at: "NAME")
            }
            throw invocation.error("no variable \(name)", at: "NAME")
        }
        return CommandOutput()
    }
}

/// Text in double quotes with quotes and backslashes escaped, as the lexer reads it.
func quoted(_ s: String) -> String {
    "\"" + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
        .replacingOccurrences(of: "\n", with: "\\n") + "\""
}
