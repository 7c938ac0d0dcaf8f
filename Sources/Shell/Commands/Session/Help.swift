extension Commands {
    static let help = CommandSpec(
        "help",
        arguments: [.argument("COMMAND...", .string, "a command, a stage of the pipeline, a topic of explain, or all", required: false)],
        summary: "list the commands by stage, or explain one",
        help: """
            With no argument, names the commands under the stages of the pipeline, \
            on one screen. help STAGE (help rl, help labels) lists a stage's commands \
            with their summaries; help all lists every stage so. With a command's \
            name (help generate, help load model), shows its usage, what it does, its \
            options with their defaults, and an example. `help --markdown` prints the \
            whole reference as Markdown (the README's command reference is made by it). \
            help TOPIC, for a topic that is not a command, shows explain TOPIC.
            """,
        examples: ["help", "help rl", "help generate", "help load model", "help all"]
    ) { invocation, context in
        let registry = context.registry
        guard let topic = invocation.arguments["COMMAND..."] else {
            return CommandOutput(overview(registry))
        }
        if topic == "--markdown" { return CommandOutput(markdown(registry)) }
        if topic == "all" { return CommandOutput(registry.stages.map(stagePage).joined(separator: "\n")) }
        if let spec = registry.command(named: topic) { return CommandOutput(page(spec)) }
        let group = registry.commands.filter { $0.words[0] == topic }
        if !group.isEmpty { return CommandOutput(group.map(page).joined(separator: "\n")) }
        if let stage = registry.stage(named: topic) { return CommandOutput(stagePage(stage)) }
        if let idea = Topic.named(topic) { return CommandOutput(idea.page(context.session)) }
        let near = nearest(topic, registry.commands.map(\.name) + registry.stages.map(\.name) + Topic.all.map(\.name))
            .map { "; did you mean help \($0)?" } ?? ""
        throw invocation.error("no command, stage or topic '\(topic)'\(near)", at: "COMMAND...")
    }

    /// The commands' names under their stages, wrapped to fit one screen.
    static func overview(_ registry: Registry) -> String {
        let width = registry.stages.map(\.name.count).max() ?? 0
        var out = "commands by stage (help COMMAND, help STAGE, help all; explain for the ideas):\n"
        for stage in registry.stages {
            // Lines break between commands, never inside a command's name.
            var lines: [String] = [""]
            for (i, name) in stage.commands.map(\.name).enumerated() {
                let item = name + (i < stage.commands.count - 1 ? "," : "")
                if !lines[lines.count - 1].isEmpty && lines[lines.count - 1].count + 1 + item.count > 78 - width - 4 { lines.append("") }
                lines[lines.count - 1] += (lines[lines.count - 1].isEmpty ? "" : " ") + item
            }
            for (i, line) in lines.enumerated() {
                out += "  " + (i == 0 ? stage.name : "").padding(toLength: width + 2, withPad: " ", startingAt: 0) + line + "\n"
            }
        }
        return out
    }

    /// A stage's commands with their summaries, under its name.
    static func stagePage(_ stage: Stage) -> String {
        let width = stage.commands.map(\.name.count).max() ?? 0
        return "\(stage.name):\n" + stage.commands.map {
            "  " + $0.name.padding(toLength: width + 2, withPad: " ", startingAt: 0) + $0.summary + "\n"
        }.joined()
    }

    /// One command's help page.
    static func page(_ spec: CommandSpec) -> String {
        var out = "usage: \(spec.usage)\n  \(spec.summary)\n\n\(wrap(spec.help, indent: 2))\n"
        if !spec.why.isEmpty { out += "\n" + wrap("Why: " + spec.why, indent: 2) + "\n" }
        let arguments = spec.arguments.filter { if case .literal = $0.kind { false } else { true } }
        let rows = arguments.map { ($0.name, $0.summary + " (\($0.kind.description))") }
            + spec.options.map { ("\($0.name)=", $0.summary + " (\($0.kind.description)" + ($0.defaultValue.map { "; default \($0)" } ?? "") + ")") }
            + (spec.namedOptions.map { [("\($0.name)=", $0.summary + " (\($0.kind.description))")] } ?? [])
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
        for stage in registry.stages {
            out += "| **\(stage.name)** | |\n"
            for c in stage.commands { out += "| `\(c.usage)` | \(c.summary) |\n" }
        }
        return out
    }

    /// Wraps a paragraph at `width` columns (78 by default), indented.
    static func wrap(_ text: String, indent: Int, width: Int = 78) -> String {
        var lines: [String] = [], line = ""
        for word in text.split(separator: " ") {
            if line.count + word.count + 1 > width - indent && !line.isEmpty {
                lines.append(line)
                line = ""
            }
            line += (line.isEmpty ? "" : " ") + word
        }
        if !line.isEmpty { lines.append(line) }
        return lines.map { String(repeating: " ", count: indent) + $0 }.joined(separator: "\n")
    }
}
