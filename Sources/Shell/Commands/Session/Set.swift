import Kernels

extension Commands {
    /// The methods whose settings `set METHOD.NAME VALUE` changes.
    static let methodSettings: [MethodSettings] = [pretrainTraining, sftTraining, rmTraining, rsTraining].map(\.erased)
        + [ppoSettings.erased, dpoSettings.erased]

    static let set = CommandSpec(
        "set",
        arguments: [.argument("NAME", .name, "a setting or a variable", required: false),
                    .argument("VALUE", .string, "its new value", required: false)],
        summary: "set a setting (seed, threads, temperature, …) or a variable",
        help: """
            set NAME VALUE changes a typed setting (seed, threads, temperature, top_k, \
            top_p, max_tokens), checked against its type, or a method's default \
            (set ppo.clip 0.1, set dpo.beta 0.2: what METHOD init uses when the \
            option is not typed; unset ppo.clip goes back), or else sets a variable \
            that later lines read as $NAME. With no arguments, lists settings, \
            changed method defaults and variables.
            """,
        examples: ["set seed 7", "set temperature 0.7", "set ppo.clip 0.1", "set prompt \"What is 3 + 4?\""]
    ) { invocation, context in
        let session = context.session
        guard let name = invocation.arguments["NAME"] else {
            var out = "settings:\n"
            for p in Settings.known { out += "  \(p.name) = \(session.settings.value(p.name)!)\n" }
            if !session.methodDefaults.isEmpty {
                out += "method defaults:\n"
                for (k, v) in session.methodDefaults.sorted(by: { $0.key < $1.key }) { out += "  \(k) = \(v)\n" }
            }
            if !session.variables.isEmpty {
                out += "variables:\n"
                for (k, v) in session.variables.sorted(by: { $0.key < $1.key }) { out += "  \(k) = \(quoted(v))\n" }
            }
            return CommandOutput(out)
        }
        guard let value = invocation.arguments["VALUE"] else {
            throw invocation.error("set needs a value: set \(name) VALUE", at: "NAME")
        }
        if let dot = name.firstIndex(of: "."), let method = methodSettings.first(where: { $0.method == name[..<dot] }) {
            let field = String(name[name.index(after: dot)...])
            guard let option = method.options.first(where: { $0.name == field }) else {
                throw invocation.error("\(method.method) has no setting \(field); its settings: "
                    + method.options.map(\.name).joined(separator: ", "), at: "NAME")
            }
            try checkSetting(option, value, invocation)
            session.methodDefaults[name] = value
            return CommandOutput()
        }
        if let setting = Settings.known.first(where: { $0.name == name }) {
            try checkSetting(setting, value, invocation)
            session.settings.set(name, value)
            if name == "seed" { session.reseed() }
            if name == "threads" { Parallel.threads = session.settings.threads }
            return CommandOutput()
        }
        session.variables[name] = value
        return CommandOutput()
    }

    /// Checks `value` with the same rules as `option`, the error under VALUE.
    private static func checkSetting(_ option: Parameter, _ value: String, _ invocation: Invocation) throws {
        let probe = CommandSpec("set", options: [option], summary: "", help: "", examples: []) { _, _ in CommandOutput() }
        let tokens = [Token(.word, "set", columns: 0..<3), Token(.option(key: option.name), value, columns: invocation.columns["VALUE"]!)]
        do {
            _ = try Registry([probe]).parse(tokens, line: invocation.line)
        } catch {
            throw ShellError(error.message, at: invocation.columns["VALUE"], hint: "help set")
        }
    }
}
