import Kernels

extension Commands {
    static let set = CommandSpec(
        "set",
        arguments: [.argument("NAME", .name, "a setting or a variable", required: false),
                    .argument("VALUE", .string, "its new value", required: false)],
        summary: "set a setting (seed, threads, temperature, …) or a variable",
        help: """
            set NAME VALUE changes a typed setting (seed, threads, temperature, top_k, \
            top_p, max_tokens), checked against its type, or else sets a variable that \
            later lines read as $NAME. With no arguments, lists settings and variables.
            """,
        examples: ["set seed 7", "set temperature 0.7", "set prompt \"What is 3 + 4?\""]
    ) { invocation, context in
        let session = context.session
        guard let name = invocation.arguments["NAME"] else {
            var out = "settings:\n"
            for p in Settings.known { out += "  \(p.name) = \(session.settings.value(p.name)!)\n" }
            if !session.variables.isEmpty {
                out += "variables:\n"
                for (k, v) in session.variables.sorted(by: { $0.key < $1.key }) { out += "  \(k) = \(quoted(v))\n" }
            }
            return CommandOutput(out)
        }
        guard let value = invocation.arguments["VALUE"] else {
            throw invocation.error("set needs a value: set \(name) VALUE", at: "NAME")
        }
        if let setting = Settings.known.first(where: { $0.name == name }) {
            // Check the value with the same rules as options.
            let probe = CommandSpec("set", options: [setting], summary: "", help: "", examples: []) { _, _ in CommandOutput() }
            let tokens = [Token(.word, "set", columns: 0..<3), Token(.option(key: name), value, columns: invocation.columns["VALUE"]!)]
            do {
                _ = try Registry([probe]).parse(tokens, line: invocation.line)
            } catch let error as ShellError {
                throw ShellError(error.message, at: invocation.columns["VALUE"], hint: "help set")
            }
            session.settings.set(name, value)
            if name == "seed" { session.reseed() }
            if name == "threads" { Parallel.threads = session.settings.threads }
            return CommandOutput()
        }
        session.variables[name] = value
        return CommandOutput()
    }
}
