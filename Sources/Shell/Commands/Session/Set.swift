import Kernels

extension Registry {
    /// The settings `set METHOD.NAME VALUE` changes, by method: every option a
    /// settings table gave a command (each once, in the order of the commands).
    var methodSettings: [String: [Parameter]] {
        var out: [String: [Parameter]] = [:]
        for option in commands.flatMap(\.options) {
            guard let method = option.method, !(out[method] ?? []).contains(where: { $0.name == option.name }) else { continue }
            out[method, default: []].append(option)
        }
        return out
    }
}

extension Commands {
    static let set = CommandSpec(
        "set",
        arguments: [.argument("NAME", .name, "a setting or a variable", required: false),
                    .argument("VALUE", .string, "its new value", required: false)],
        summary: "set a setting (seed, threads, temperature, …) or a variable",
        help: """
            set NAME VALUE changes a typed setting (seed, threads, temperature, top_k, \
            top_p, max_tokens, bf16, memory_limit), checked against its type, or a method's default \
            (set ppo.clip 0.1, set grpo.beta 0.02, set sft.lr 3e-4: what the \
            method's commands use when the option is not typed; unset ppo.clip \
            goes back), or else sets a variable that later lines read as $NAME \
            (a variable's name has no dot). With no arguments, lists settings, \
            changed method defaults and variables. set bf16 exact makes a model held \
            in bf16 compute as an f32 model holding the same values would (its \
            weights widened for every product); native, the default, uses the CPU's \
            bf16 instructions where it has them (about names the kernel), rounding \
            activations to bf16 as PyTorch's bf16 does: several times faster, and \
            close to exact, not equal.
            """,
        examples: ["set seed 7", "set temperature 0.7", "set bf16 exact", "set memory_limit 4", "set ppo.clip 0.1", "set grpo.beta 0.02", "set prompt \"What is 1 + 9?\""]
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
        if let dot = name.firstIndex(of: ".") {
            let option = try methodSetting(String(name[..<dot]), String(name[name.index(after: dot)...]), context.registry, invocation)
            try checkSetting(option, value, invocation)
            session.methodDefaults[name] = value
            return CommandOutput()
        }
        if let setting = Settings.known.first(where: { $0.name == name }) {
            try checkSetting(setting, value, invocation)
            session.settings.set(name, value)
            if name == "seed" { session.reseed() }
            return CommandOutput()
        }
        guard value.utf8.count <= Session.variableLimit else {
            throw invocation.error("the value is \(value.utf8.count) bytes; a variable holds at most \(Session.variableLimit)", at: "VALUE")
        }
        session.variables[name] = value
        return CommandOutput()
    }

    /// The option `set METHOD.FIELD` changes, or an error naming the nearest
    /// method or field and listing the known ones.
    static func methodSetting(_ method: String, _ field: String, _ registry: Registry, _ invocation: Invocation) throws -> Parameter {
        let tables = registry.methodSettings
        guard let options = tables[method] else {
            let near = nearest(method, Array(tables.keys)).map { "did you mean \($0).\(field)? " } ?? ""
            throw invocation.error("no method '\(method)' has settings; \(near)methods with settings: "
                + tables.keys.sorted().joined(separator: ", ") + " (a variable's name has no dot)", at: "NAME")
        }
        guard let option = options.first(where: { $0.name == field }) else {
            let near = nearest(field, options.map(\.name)).map { "did you mean \(method).\($0)? " } ?? ""
            throw invocation.error("\(method) has no setting \(field); \(near)its settings: "
                + options.map(\.name).joined(separator: ", "), at: "NAME")
        }
        return option
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
