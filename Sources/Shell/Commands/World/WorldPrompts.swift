import Foundation
import Datasets
import World

extension Commands {
    static let worldPrompts = CommandSpec(
        "world prompts",
        options: [
            .option("task", .choice(TaskKind.allCases.map(\.rawValue)), "only prompts of this task"),
            .option("safety", .choice(["tagged", "untagged"]), "only safety-tagged prompts (a safe assistant refuses them), or only the others"),
            .option("split", .choice(["train", "heldout", "all"]), "the train prompts, the held-out ones, or both", default: "all"),
            .option("n", .integer(1...100_000), "how many to list at most (the first ones)", default: "12"),
            .option("ideal", .bool, "show each prompt's ideal answer too", default: "false"),
        ],
        summary: "list the session's world's prompts, with their task and safety tag: the prompts gold can judge",
        help: """
            Lists the prompts of the session's world (the bundled one unless world \
            generate made another) with their task, safety tag and split, without \
            loading a file: these are the prompts the gold labeler knows, so gold, \
            generate and score can be tried on them. A count by task heads the \
            list. ideal=true shows the answer a careful assistant gives. The held-out \
            split shares no (task, entity) pair with the train split.
            """,
        examples: ["world prompts", "world prompts task=arithmetic split=heldout n=5 ideal=true", "world prompts safety=tagged"]
    ) { invocation, context in
        let world = context.session.currentWorld
        let split = invocation.option("split")
        var tasks = world.tasks.filter { split == "all" || $0.heldOut == (split == "heldout") }
        if let kind = invocation.optional("task").flatMap(TaskKind.init(rawValue:)) { tasks = tasks.filter { $0.kind == kind } }
        if let safety = invocation.optional("safety") { tasks = tasks.filter { $0.isUnsafe == (safety == "tagged") } }
        guard !tasks.isEmpty else { throw invocation.error("no prompt of the world matches; world prompts alone lists them all") }
        let counts = TaskKind.allCases.compactMap { kind -> String? in
            let c = tasks.filter { $0.kind == kind }.count
            return c == 0 ? nil : "\(kind.rawValue) \(c)"
        }
        let shown = tasks.prefix(invocation.integer("n"))
        let ideal = invocation.bool("ideal")
        let rows = shown.map { t in
            [jsonQuoted(t.prompt), t.kind.rawValue, t.isUnsafe ? "tagged" : "", t.heldOut ? "held-out" : "train"] + (ideal ? [jsonQuoted(t.ideal)] : [])
        }
        context.session.values["world.prompts"] = Double(tasks.count)
        return CommandOutput("\(plural(tasks.count, "prompt")): " + counts.joined(separator: ", ")
            + (shown.count < tasks.count ? "; the first \(shown.count):" : "") + "\n"
            + Table(["prompt", "task", "safety", "split"] + (ideal ? ["ideal answer"] : []), rows).render())
    }
}
