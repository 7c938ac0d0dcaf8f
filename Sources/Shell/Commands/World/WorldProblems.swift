import Datasets
import World

extension Commands {
    static let worldProblems = CommandSpec(
        "world problems",
        arguments: [.argument("NAME", .name, "the dataset to make")],
        options: [
            .option("n", .integer(1...100_000), "how many problems", default: "400"),
            .option("as", .choice(["prompts", "demos"]), "prompt records with an answer field, or prompt/completion demonstrations", default: "prompts"),
            .option("answer_first", .float(0...1), "with demos: the share of demonstrations that say the answer first and end on an operand", default: "0"),
            .option("largest", .integer(2...1000), "operands run from 2 to this", default: "9"),
            .option("seed", .integer(0...Int.max), "seed (default: from the session seed)"),
        ],
        summary: "make word problems with checkable answers (GSM8K's record shape) about the world's people",
        help: """
            Makes a dataset of one-step word problems (addition, subtraction, \
            multiplication) about the world's people: as=prompts gives records \
            {"prompt", "answer"} in GSM8K's shape, which a match reward checks \
            (reward NAME match field=answer) and eval … reward= scores; as=demos \
            gives prompt/completion demonstrations with a worked answer ("3 + 4 \
            = 7. Ana has 7 apples.") to finetune on; answer_first=0.5 says half of \
            them the other way round ("Ana has 7 apples after getting 4 more."), \
            right but ending on an operand, so a check that reads the last number \
            marks them wrong: a finetuned model learns both habits, and RL with \
            that check can teach it which one the check rewards. The same seed \
            gives the same problems; save data writes them as JSONL.
            """,
        why: "RL with verifiable rewards needs prompts whose answers a rule can check, as GSM8K's and MATH's are (DeepSeek-R1 §2.2.2 trains on such prompts with a rule reward); the world's own prompts are judged by gold instead, so these give the answer-checking rewards something to check.",
        examples: ["world problems problems n=400", "world problems demos as=demos n=2000 seed=5"]
    ) { invocation, context in
        let s = context.session
        let name = invocation.argument("NAME")
        var rng = s.random(invocation)
        let problems = WordProblem.generate(n: invocation.integer("n"), largest: invocation.integer("largest"),
                                            people: s.currentWorld.facts.people.map(\.name), seed: rng.next())
        let demos = invocation.option("as") == "demos"
        let share = invocation.float("answer_first")
        let records = problems.map { p -> Record in
            guard demos else { return .prompt(p.prompt, task: nil, safety: false, fields: ["answer": p.answer]) }
            return .completion(prompt: p.prompt, completion: rng.uniform() < share ? p.answerFirst : p.solution)
        }
        s.datasets[name] = Dataset(records: records, source: "world problems")
        s.touch(name)
        return CommandOutput("\(name): \(records.count) word problems" + (demos ? " as demonstrations with worked answers" : " with their answers (field \"answer\")")
            + "; the first: \(jsonQuoted(problems[0].prompt)) → \(jsonQuoted(demos ? problems[0].solution : problems[0].answer))")
    }
}
