extension Commands {
    static let help = CommandSpec(
        "help",
        arguments: [.argument("COMMAND...", .string, "a command or topic", required: false)],
        summary: "list the commands, or explain one",
        help: """
            With no argument, lists every command with its summary. With a command's \
            name (help generate, help load model), shows its usage, what it does, its \
            options with their defaults, and an example. `help --markdown` prints the \
            whole reference as Markdown (the README's command reference is made by it).
            """,
        examples: ["help", "help generate", "help load model"]
    ) { invocation, context in
        let registry = context.registry
        guard let topic = invocation.arguments["COMMAND..."] else {
            return CommandOutput(overview(registry))
        }
        if topic == "--markdown" { return CommandOutput(markdown(registry)) }
        if let spec = registry.command(named: topic) { return CommandOutput(page(spec)) }
        let group = registry.commands.filter { $0.words[0] == topic }
        if !group.isEmpty { return CommandOutput(group.map(page).joined(separator: "\n")) }
        let near = nearest(topic, registry.commands.map(\.name)).map { "; did you mean help \($0)?" } ?? ""
        throw invocation.error("no command or topic '\(topic)'\(near)", at: "COMMAND...")
    }

    /// Every command and its summary, aligned.
    static func overview(_ registry: Registry) -> String {
        let width = registry.commands.map(\.name.count).max() ?? 0
        var out = "commands (help COMMAND for more):\n"
        for c in registry.commands {
            out += "  " + c.name.padding(toLength: width + 2, withPad: " ", startingAt: 0) + c.summary + "\n"
        }
        return out
    }

    /// One command's help page.
    static func page(_ spec: CommandSpec) -> String {
        var out = "usage: \(spec.usage)\n  \(spec.summary)\n\n\(wrap(spec.help, indent: 2))\n"
        let arguments = spec.arguments.filter { if case .literal = $0.kind { false } else { true } }
        let rows = arguments.map { ($0.name, $0.summary + " (\($0.kind.description))") }
            + spec.options.map { ("\($0.name)=", $0.summary + " (\($0.kind.description)" + ($0.defaultValue.map { "; default \($0)" } ?? "") + ")") }
        if !rows.isEmpty {
            let width = rows.map(\.0.count).max()!
            out += "\n"
            for (name, text) in rows { out += "  " + name.padding(toLength: width + 2, withPad: " ", startingAt: 0) + text + "\n" }
        }
        out += "\nexample:\n" + spec.examples.map { "  " + $0 }.joined(separator: "\n") + "\n"
        return out
    }

    /// The whole reference as Markdown.
    static func markdown(_ registry: Registry) -> String {
        var out = "| command | what it does |\n| --- | --- |\n"
        for c in registry.commands { out += "| `\(c.usage)` | \(c.summary) |\n" }
        return out
    }

    /// Wraps a paragraph at 78 columns.
    static func wrap(_ text: String, indent: Int) -> String {
        var lines: [String] = [], line = ""
        for word in text.split(separator: " ") {
            if line.count + word.count + 1 > 78 - indent && !line.isEmpty {
                lines.append(line)
                line = ""
            }
            line += (line.isEmpty ? "" : " ") + word
        }
        if !line.isEmpty { lines.append(line) }
        return lines.map { String(repeating: " ", count: indent) + $0 }.joined(separator: "\n")
    }
}
