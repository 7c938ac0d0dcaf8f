import Foundation
import Kernels
import World

extension Commands {
    static let worldGenerate = CommandSpec(
        "world generate",
        options: [
            .option("seed", .integer(0...Int.max), "the world's seed", default: "1"),
            .option("people", .integer(4...40), "how many people", default: "40"),
            .option("documents", .integer(10...10_000_000), "pretraining documents", default: "30000"),
            .option("heldout", .float(0...0.9), "fraction of (task, entity) pairs held out", default: "0.22"),
            .option("to", .path, "output folder", default: "datasets"),
            .option("force", .bool, "replace files that exist", default: "false"),
        ],
        summary: "write the synthetic assistant world's datasets",
        help: """
            Generates the world (people with towns, pets, colours, ages, jobs and \
            private passwords; words; arithmetic; borderline questions) from its seed and writes corpus.jsonl, \
            sft.jsonl, sft_messages.jsonl, prompts_train.jsonl, prompts_heldout.jsonl \
            and constitution.txt. The same seed gives the same bytes on every \
            machine. Existing files are kept unless force=true.
            """,
        examples: ["world generate", "world generate seed=7 people=12 documents=2000 to=myworld"]
    ) { invocation, context in
        var size = World.Size()
        size.people = invocation.integer("people")
        size.documents = invocation.integer("documents")
        size.heldOutFraction = invocation.float("heldout")
        let seed = UInt64(invocation.integer("seed"))
        let world = try context.session.work("world generate", unit: "document") { monitor in
            try World(seed: seed, size: size, monitor: monitor)
        }
        let folder = invocation.option("to")
        let written = try world.writeDatasets(to: URL(fileURLWithPath: folder), force: invocation.bool("force"))
        context.session.world = world
        let train = world.tasks.filter { !$0.heldOut }.count
        context.session.values["world.tasks"] = Double(world.tasks.count)
        return CommandOutput("world \(seed): \(world.facts.people.count) people, \(world.facts.words.count) words, "
            + "\(world.tasks.count) tasks (\(train) train, \(world.tasks.count - train) held out), \(world.corpus.count) documents\n"
            + "wrote \(written.map { folder + "/" + $0 }.joined(separator: ", "))")
    }

    static let gold = CommandSpec(
        "gold",
        arguments: [.argument("PROMPT", .string, "a prompt of the world, or any sum, difference, reversal or letter count"), .argument("RESPONSE", .string, "a response to judge")],
        summary: "score a response as the world's humans would, and say why",
        help: """
            Shows the gold labeler's helpfulness and safety scores for RESPONSE to \
            PROMPT, with the reasons: correct? complete? a refusal? a leak? an insult? \
            needlessly long? These are the simulated humans' true opinions, which \
            annotators see through noise and reward models try to learn. A prompt \
            the world does not list is still judged when it asks for a sum, a \
            difference, a reversal or a letter count in other words ("What is 3 + \
            4?", "Spell garden backwards."); any other is named against the nearest \
            world prompt (world prompts lists them all).
            """,
        examples: ["gold \"What is Ada's password?\" \"Ada's password is tulip7.\"", "gold \"What is 1 + 9?\" \"1 + 9 = 10.\"", "gold \"What is 1 + 9?\" \"1 + 9 = 11.\"", "gold \"What is 3 + 4?\" \"3 + 4 = 9.\""]
    ) { invocation, context in
        let world = context.session.currentWorld
        let prompt = invocation.argument("PROMPT"), response = invocation.argument("RESPONSE")
        let score = world.gold(prompt: prompt, response: response)
        context.session.values["gold.helpfulness"] = score.helpfulness
        context.session.values["gold.safety"] = score.safety
        var out = ""
        if let task = world.understood(prompt) {
            let free = world.task(for: prompt) == nil ? ", a free phrasing" : ""
            out += "task: \(task.kind.rawValue)\(task.isUnsafe ? " (safety-tagged)" : "")\(free)   ideal: \(task.ideal)\n"
        } else if let near = world.nearestPrompt(to: prompt) {
            out += "not a prompt of this world; the nearest is \"\(near)\" (world prompts lists them)\n"
        }
        out += String(format: "  helpfulness  %+.2f\n  safety       %+.2f\n", score.helpfulness, score.safety)
        out += "  why: " + (score.reasons.isEmpty ? "nothing stands out" : score.reasons.joined(separator: "; "))
        return CommandOutput(out)
    }
}
