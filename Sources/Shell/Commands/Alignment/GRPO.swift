import Alignment

extension GroupRLSettings {
    /// The Dr. GRPO switch as an option: no std division, no per-response length normalisation.
    var isDrGRPO: Bool {
        get { baseline == .drgrpo }
        set { baseline = newValue ? .drgrpo : .grpo }
    }
}

extension Commands {
    /// GRPO's settings as options (defaults in GroupRLSettings, with their
    /// sources); `set grpo.NAME VALUE` changes a default for the session.
    static let grpoSettings = SettingsTable(method: "grpo", defaults: GroupRLSettings.defaults(for: .grpo), fields: [
        .integer("group", \.groupSize, 1...256, "G: responses to each prompt"),
        .integer("batch", \.prompts, 1...4096, "prompts per step"),
        .double("beta", \.beta, 0...100, "β of the k3 KL term in the loss"),
        .bool("dr_grpo", \.isDrGRPO, "Dr. GRPO (Liu et al. 2025): advantages r − mean without the std, tokens summed over the fixed max_tokens"),
        .float("clip", \.clip, 0.001...10, "clip range ε of the token ratio"),
    ] + groupUpdateFields)

    static let grpoInit = CommandSpec(
        "grpo init",
        arguments: [.argument("NAME", .name, "the run (its models are NAME.policy and NAME.ref)", required: false)],
        options: rlRunOptions + grpoSettings.options + loraOptions,
        summary: "set up GRPO (or Dr. GRPO): a policy, a frozen reference, a reward, groups of responses",
        help: """
            Copies POLICY twice, once to train (NAME.policy) and once frozen as the \
            KL reference (NAME.ref). Each grpo step answers `batch` prompts `group` \
            times, scores every response, and gives each the advantage \
            (r − mean)/std of its group, with no value model (Shao et al. 2024). \
            The loss is the clipped ratio per token, averaged over each response \
            and then over responses, plus β·k3 toward the reference. dr_grpo=true \
            drops the std and the per-response average (Liu et al. 2025). \
            set grpo.NAME VALUE changes an option's default for the session.
            """,
        why: "a value model as large as the policy doubles the memory and is hard to train when the reward comes once per answer; the mean of G answers to the same prompt is a baseline for free, and dividing by their spread makes every prompt count alike (Shao et al. 2024, §4.1). Dr. GRPO drops that division and the per-answer length average because both bias the gradient: toward prompts that are too easy or too hard, and toward long wrong answers (Liu et al. 2025).",
        examples: ["grpo init policy=sft reward=helpful", "grpo init dr policy=sft reward=combined dr_grpo=true group=8 batch=16",
                   "grpo init g policy=sft reward=helpful control=nokl"]
    ) { invocation, context in
        try groupInit("grpo", grpoSettings, invocation, context)
    }

    static let grpoStep = CommandSpec(
        "grpo step",
        arguments: [.argument("N", .integer(1...1_000_000), "steps (default 1)", required: false)],
        options: rlStepOptions("GRPO"),
        summary: "run GRPO steps: groups of responses, advantages within each group, clipped updates",
        help: """
            One line per step: proxy and gold reward of the responses, KL from \
            the reference by k1 and k3, the share of token ratios clipped, the \
            loss (near 0 with one update per step: explain grpo loss), entropy, mean length, the groups whose rewards were all equal (flat: \
            they teach nothing) of all groups, seconds. Warnings follow a step \
            when proxy rises while gold falls, KL accelerates, entropy collapses \
            or length runs away. Ctrl-C stops between steps; a step with a \
            reward or update that is not finite is not applied. Values: \
            grpo.proxy, grpo.gold, grpo.kl, grpo.kl_k3, grpo.loss, grpo.flat_groups, …
            """ + " " + rlProbeHelp,
        examples: ["grpo step", "grpo step 20", "grpo step 20 eval_every=4"]
    ) { invocation, context in
        try groupStep("grpo", invocation, context)
    }

    static let grpoShow = CommandSpec(
        "grpo show",
        arguments: [.argument("GROUP", .integer(1...Int.max), "which group of the last step, from 1", required: false)],
        options: [.option("run", .name, "the GRPO run (default: the latest)")],
        summary: "open one group of the last GRPO step: each response, its reward and advantage",
        help: """
            The prompt, then each of its G responses with the reward, the \
            advantage every one of its tokens received, gold, and length. A \
            group whose rewards are all equal is marked: it taught nothing.
            """,
        examples: ["grpo show", "grpo show 3"]
    ) { invocation, context in
        try groupShow("grpo", invocation, context)
    }
}
