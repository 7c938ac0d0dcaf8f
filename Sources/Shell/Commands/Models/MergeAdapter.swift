import LanguageModel

extension Commands {
    static let mergeAdapter = CommandSpec(
        "merge adapter",
        arguments: [.argument("NAME", .name, "a model with low-rank adapters (trained with lora=RANK, or loaded from a PEFT folder)")],
        summary: "fold a model's LoRA adapters into its weights",
        help: """
            Replaces each adapted weight W by W + (α/r)·B·A (PEFT's merge_and_unload) \
            and drops the adapters: the model computes the same, every weight trains \
            again, and save model writes it whole.
            """,
        examples: ["merge adapter sft"]
    ) { invocation, context in
        let s = context.session
        let name = invocation.argument("NAME")
        let entry = try s.model(name, in: invocation, argument: "NAME")
        guard let lora = entry.model.lora else {
            throw invocation.error("\(name) has no adapters to merge (lora=RANK on a training command adds them)", at: "NAME")
        }
        let merged = entry.model.merged()
        s.models[name]?.model = merged
        s.touch(name)
        return CommandOutput("\(name): folded LoRA rank \(lora.rank) on \(lora.targets.joined(separator: ",")) into its weights; "
            + "\(formatCount(merged.parameterCount)) parameters, all train")
    }
}
