extension Commands {
    static let unset = CommandSpec(
        "unset",
        arguments: [.argument("NAME", .name, "a variable, or a method default (ppo.clip)")],
        summary: "forget a variable, or a method default set with set",
        help: """
            Removes a variable set with set, or a method default (unset ppo.clip: \
            ppo init uses PPO's own default again). Settings cannot be unset; set \
            them to a new value.
            """,
        examples: ["unset prompt", "unset ppo.clip"]
    ) { invocation, context in
        let name = invocation.argument("NAME")
        if let dot = name.firstIndex(of: ".") {
            let option = try methodSetting(String(name[..<dot]), String(name[name.index(after: dot)...]), context.registry, invocation)
            guard context.session.methodDefaults.removeValue(forKey: name) != nil else {
                throw invocation.error("\(name) was not set; it is at its default" + (option.defaultValue.map { ", \($0)" } ?? ""), at: "NAME")
            }
            return CommandOutput()
        }
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
