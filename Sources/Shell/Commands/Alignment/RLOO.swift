import Alignment

extension Commands {
    /// RLOO's settings as options (defaults in GroupRLSettings, with their
    /// sources); `set rloo.NAME VALUE` changes a default for the session.
    static let rlooSettings = SettingsTable(method: "rloo", defaults: GroupRLSettings.defaults(for: .rloo), fields: [
        .integer("k", \.groupSize, 1...256, "responses to each prompt"),
        .integer("batch", \.prompts, 1...4096, "prompts per step"),
        .double("beta", \.beta, 0...100, "β of the k1 KL penalty subtracted from each response's reward"),
        .float("clip", \.clip, 0.001...10, "clip range ε of the response's ratio"),
    ] + groupUpdateFields)

    static let rlooInit = CommandSpec(
        "rloo init",
        arguments: [.argument("NAME", .name, "the run (its models are NAME.policy and NAME.ref)", required: false)],
        options: rlRunOptions + rlooSettings.options + loraOptions,
        summary: "set up RLOO: REINFORCE with a leave-one-out baseline over k responses",
        help: """
            Copies POLICY twice, once to train (NAME.policy) and once frozen as the \
            KL reference (NAME.ref). Each rloo step answers `batch` prompts k times; \
            each response's reward is its score less β·Σ(log π − log π_ref), and its \
            baseline is the mean reward of the other k − 1 (Ahmadian et al. 2024). \
            The whole response is one action: its ratio Π π/π_old is clipped. No \
            value model. set rloo.NAME VALUE changes an option's default for the session.
            """,
        why: "when the reward comes once per answer, the answer can be one action; the mean reward of the other k − 1 answers is then an unbiased baseline, so no value model is needed, and Ahmadian et al. 2024 found this REINFORCE-style method matched or beat PPO on RLHF at a lower cost.",
        examples: ["rloo init policy=sft reward=helpful", "rloo init r policy=sft reward=combined k=4 beta=0.05"]
    ) { invocation, context in
        try groupInit("rloo", rlooSettings, invocation, context)
    }

    static let rlooStep = CommandSpec(
        "rloo step",
        arguments: [.argument("N", .integer(1...1_000_000), "steps (default 1)", required: false)],
        options: rlStepOptions("RLOO"),
        summary: "run RLOO steps: k responses per prompt, leave-one-out advantages, clipped updates",
        help: """
            One line per step, as grpo step prints it: proxy, gold, KL by k1 and \
            k3, the share of responses whose ratio was clipped, the loss, entropy, length, \
            flat groups, seconds; then any early warning. Values: rloo.proxy, \
            rloo.gold, rloo.kl, rloo.kl_k3, …
            """ + " " + rlProbeHelp,
        examples: ["rloo step", "rloo step 20", "rloo step 20 eval_every=4"]
    ) { invocation, context in
        try groupStep("rloo", invocation, context)
    }

    static let rlooShow = CommandSpec(
        "rloo show",
        arguments: [.argument("GROUP", .integer(1...Int.max), "which prompt of the last step, from 1", required: false)],
        options: [.option("run", .name, "the RLOO run (default: the latest)")],
        summary: "open one prompt of the last RLOO step: its k responses, rewards and advantages",
        help: """
            The prompt, then each of its k responses with its reward less the KL \
            penalty, its leave-one-out advantage, gold and length.
            """,
        examples: ["rloo show", "rloo show 2"]
    ) { invocation, context in
        try groupShow("rloo", invocation, context)
    }
}
