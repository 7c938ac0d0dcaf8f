extension Commands {
    static let explain = CommandSpec(
        "explain",
        arguments: [.argument("TOPIC...", .string, "an idea, a method or a puzzle (explain alone lists them)", required: false)],
        summary: "explain an idea: what it is, its equation, its source, the command that shows it, your run's numbers",
        help: """
            explain TOPIC gives an idea of the pipeline in a few lines, its equation \
            in plain text, the paper it comes from, and the commands that show it \
            here; where the session holds a run it concerns, that run's own numbers \
            (after a grpo step, explain grpo loss quotes its loss and KL). explain \
            alone lists the topics by stage. help TOPIC shows the same page when \
            TOPIC is not a command. Among the topics are four puzzles users of the \
            big frameworks ask about most: grpo-loss (why it sits at 0), kl-penalty \
            (which KL and where it enters), dpo-rewards-fall (both implicit rewards \
            falling), negative-kl (a KL below 0, or not 0 at the first step).
            """,
        examples: ["explain", "explain grpo loss", "explain kl-penalty", "explain dpo-rewards-fall", "explain negative-kl"]
    ) { invocation, context in
        guard let name = invocation.arguments["TOPIC..."] else { return CommandOutput(topicList(context.registry)) }
        guard let topic = Topic.named(name) else {
            let near = nearest(Topic.key(name), Topic.all.flatMap { [$0.name] + $0.aliases }).map { "; did you mean explain \($0)?" } ?? ""
            throw invocation.error("no topic '\(name)'\(near) (explain alone lists them)", at: "TOPIC...")
        }
        return CommandOutput(topic.page(context.session))
    }

    /// The topics under their stages, in the pipeline's order.
    static func topicList(_ registry: Registry) -> String {
        let width = Topic.all.map(\.name.count).max() ?? 0
        var out = "topics by stage (explain TOPIC):\n"
        // Every topic's stage is one of help's (ExplainTests checks it).
        for stage in registry.stages.map(\.name) {
            let topics = Topic.all.filter { $0.stage == stage }
            guard !topics.isEmpty else { continue }
            out += "\(stage):\n" + topics.map { "  " + $0.name.padding(toLength: width + 2, withPad: " ", startingAt: 0) + $0.title + "\n" }.joined()
        }
        return out
    }
}
