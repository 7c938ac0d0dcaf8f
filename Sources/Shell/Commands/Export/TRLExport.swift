import Alignment
import LanguageModel

/// A run as TRL's command line reads it (`trl sft|dpo|grpo|rloo --config FILE`,
/// TRL 1.16's SFTConfig, DPOConfig, GRPOConfig and RLOOConfig, with
/// transformers' TrainingArguments and TRL's ModelConfig for the adapters),
/// each setting beside what the run did here.
enum TRLExport {
    static func config(_ plan: ExportPlan, seed: Int) -> EngineConfig {
        var settings: [EngineSetting] = []
        switch plan.method {
        case let .sft(t):
            settings = supervised(t) + cutAnswers(plan) + [
                .same("loss on the answer only", "completion_only_loss", "true"),
                .differs("examples drawn at random each step", "", "",
                         "TRL walks shuffled epochs of sft.jsonl: the same expectation, other noise"),
            ]
        case let .rewardModel(t, loss):
            settings = supervised(t, pairsPerGroup: plan.pairsPerGroup) + rewardLoss(loss, plan)
        case let .dpo(d, steps):
            settings = [
                steps > 0 ? .same("steps taken", "max_steps", String(steps))
                    : .differs("no step yet", "max_steps", "1", "the run has taken no step: set max_steps to the steps you want"),
                .same("batch", "per_device_train_batch_size", String(d.batchSize)),
                .same("context", "max_length", String(d.context)),
                .same("lr", "learning_rate", yamlNumber(d.learningRate)),
                .same("warm-up, then constant", "lr_scheduler_type", "constant_with_warmup"),
                warmup(d.warmup),
                .same("no weight decay", "weight_decay", "0"),
                .same("beta", "beta", yamlNumber(d.beta)),
            ] + adam + dpoLoss(d)
            if plan.reference != nil {
                settings.append(.cannot("a reference other than the policy's start",
                                        "TRL's command line starts the reference as a copy of the policy: ref_model/ holds this run's, "
                                            + "which DPOTrainer(ref_model=…) takes from Python (README.md)"))
            }
        case .ppo:
            preconditionFailure("TRLExport.config: TRL 1.16 has no PPO trainer (Engine.lacks)")
        case let .group(g, steps):
            settings = [steps > 0 ? .same("steps taken", "max_steps", String(steps))
                : .differs("no step yet", "max_steps", "1", "the run has taken no step: set max_steps to the steps you want")]
                + groupSettings(g, plan)
        }
        settings += loraSettings(plan.lora) + [.same("f32 arithmetic", "bf16", "false"), .same("seed", "seed", String(seed))]
        let command = plan.kind
        var lines = ["# TRL \(command) for run \(plan.run), written by rlhf's export: from this folder,",
                     "#   trl \(command) --config configs/trl-\(command).yaml",
                     "# Lines marked `differs` compute something else than the run did; README.md says what to expect.",
                     "model_name_or_path: model",
                     "datasets:",
                     "  - path: json",
                     "    data_files: data/\(plan.data[0].file)",
                     "output_dir: out/trl-\(command)",
                     "logging_steps: 1",
                     "report_to: none"]
        for s in settings where !s.key.isEmpty {
            lines.append("\(s.key): \(s.value)" + (s.match == .differs ? "  # differs: \(s.effect)" : ""))
        }
        return EngineConfig(engine: "TRL", file: "trl-\(command).yaml", text: lines.joined(separator: "\n") + "\n",
                            settings: settings, launch: "trl \(command) --config configs/trl-\(command).yaml")
    }

    /// What sft and reward-model training share: steps, batch, context, the
    /// schedule (LanguageModelTraining.run: warm-up, then cosine to 10%) and AdamW.
    static func supervised(_ t: TrainingSettings, pairsPerGroup: Int? = 1) -> [EngineSetting] {
        [
            .same("steps", "max_steps", String(t.steps)),
            batch(t.batchSize, pairsPerGroup: pairsPerGroup, key: "per_device_train_batch_size", engine: "TRL"),
            .differs("batch", "gradient_accumulation_steps", "1",
                     "on more than one device TRL's batch is per device: divide it by the devices"),
            .same("context", "max_length", String(t.sequenceLength)),
            .same("lr", "learning_rate", yamlNumber(t.learningRate)),
            .same("warm-up, then cosine to 10%", "lr_scheduler_type", "cosine_with_min_lr"),
            .same("", "lr_scheduler_kwargs", "{min_lr_rate: 0.1}"),
            warmup(t.warmup),
            // Here matrices decay, biases and norm weights do not (ParameterLayout.decays); so does transformers' get_decay_parameter_names.
            .same("AdamW weight decay on matrices", "weight_decay", yamlNumber(t.weightDecay)),
        ] + adam
    }

    /// A batch of B groups as the engines count it: in pairs, B·C(K,2) for rankings
    /// of K answers each; a mixture of K cannot be one number.
    static func batch(_ B: Int, pairsPerGroup: Int?, key: String, engine: String) -> EngineSetting {
        guard let c = pairsPerGroup else {
            return .differs("batch of \(B) rankings", key, String(B), "\(engine) counts pairs and the rankings hold different numbers of them")
        }
        return c == 1 ? .same("batch", key, String(B)) : .same("batch of \(B) rankings, \(c) pairs each", key, String(B * c))
    }

    /// The reward model's loss as TRL's RewardTrainer computes it: −log σ(r_c − r_r − margin), averaged over the batch's pairs.
    static func rewardLoss(_ loss: RewardLoss, _ plan: ExportPlan) -> [EngineSetting] {
        var out: [EngineSetting] = []
        switch loss {
        case .ranking:
            out.append(.differs("loss=ranking: a ranking's C(K,2) pairs in one batch element, each 1/C(K,2)", "", "",
                                "TRL shuffles pairs, so a batch mixes rankings: the same loss in expectation, but a ranking's correlated "
                                    + "pairs no longer share a step (InstructGPT's reason for keeping them together)"))
        case .pairwise: out.append(.same("loss=pairwise", "", ""))
        case .margin: out.append(.same("loss=margin (Llama 2): pairs.jsonl's margin column, subtracted", "", ""))
        case .soft: out.append(.cannot("loss=soft", "TRL's reward trainer has no soft labels: it trains each pair as a hard preference"))
        }
        out.append(.same("no reward centring", "center_rewards_coefficient", "null"))
        return out + cutAnswers(plan)
    }

    /// Answers cut at max_tokens, which an engine's chat template closes with an end-of-turn token they never had.
    static func cutAnswers(_ plan: ExportPlan) -> [EngineSetting] {
        plan.cutResponses == 0 ? [] : [.differs("\(plan.cutResponses) answers cut at max_tokens", "", "",
                                                 "the engine's chat template closes every turn: a cut answer is read with an end-of-turn token it never had")]
    }

    /// Linear warm-up: here step s (from 0) takes lr·(s + 1)/warmup; transformers' schedules give step s lr·s/warmup.
    static func warmup(_ steps: Int) -> EngineSetting {
        steps == 0 ? .same("no warm-up", "warmup_steps", "0")
            : .differs("warmup", "warmup_steps", String(steps),
                       "transformers' warm-up starts at lr 0, so its first step does not move the model: the same ramp, one step later")
    }

    /// AdamW's constants here (Kernels/AdamW.swift): β₂ 0.95 where transformers defaults to 0.999; gradients clipped at norm 1.
    static let adam: [EngineSetting] = [
        .same("AdamW β₁", "adam_beta1", "0.9"), .same("AdamW β₂", "adam_beta2", "0.95"), .same("AdamW ε", "adam_epsilon", "1.0e-08"),
        .same("gradient norm clipped at 1", "max_grad_norm", "1"),
    ]

    /// DPO's loss as TRL 1.16 names it (trl/trainer/dpo_trainer.py, `loss_type`).
    static func dpoLoss(_ d: DPOSettings) -> [EngineSetting] {
        var out: [EngineSetting] = []
        switch d.loss {
        case .sigmoid: out.append(.same("loss=sigmoid", "loss_type", "[sigmoid]"))
        case .hinge: out.append(.same("loss=hinge", "loss_type", "[hinge]"))
        case .robust:
            out += [.same("loss=robust", "loss_type", "[robust]"), .same("epsilon", "label_smoothing", yamlNumber(d.epsilon))]
        case .ipo:
            out.append(d.averagesLogProbs ? .same("loss=ipo (per-token means)", "loss_type", "[ipo]")
                : .differs("loss=ipo with sums", "loss_type", "[ipo]", "TRL's IPO averages log-ratios per token: a β tuned on sums is too strong"))
        case .cdpo:
            out.append(.differs("loss=cdpo", "loss_type", "[sigmoid]",
                                "TRL 1.16 has no conservative DPO: its sigmoid ignores label_smoothing, so this trains plain DPO (no ε)"))
        case .simpo, .orpo, .kto:
            out.append(.cannot("loss=\(d.loss.rawValue)", "TRL's DPOTrainer has no \(d.loss.rawValue); its own trainer (CPO/ORPO/KTO) takes other data and options"))
        }
        if d.nllWeight > 0, d.loss == .sigmoid {
            out[0] = .same("loss=sigmoid", "loss_type", "[sigmoid, sft]")
            out.append(.differs("nll (RPO)", "loss_weights", "[1, \(yamlNumber(d.nllWeight))]",
                                "TRL's sft term averages over all chosen tokens of the batch, here over each answer first: long answers weigh more there"))
        } else if d.nllWeight > 0 {
            out.append(.cannot("nll (RPO) beside loss=\(d.loss.rawValue)", "exported without it"))
        }
        return out
    }

    /// GRPO, Dr. GRPO and RLOO as TRL's GRPOConfig and RLOOConfig take them.
    static func groupSettings(_ g: GroupRLSettings, _ plan: ExportPlan) -> [EngineSetting] {
        let completions = g.prompts * g.groupSize
        var out: [EngineSetting] = [
            .same(g.baseline == .rloo ? "k" : "group", "num_generations", String(g.groupSize)),
            .differs("batch (prompts)", "per_device_train_batch_size", String(completions),
                     "TRL counts completions, not prompts: \(g.prompts) prompts × \(g.groupSize)"),
            .same("temperature", "temperature", yamlNumber(g.sampling.temperature)),
            .same("max_tokens", "max_completion_length", String(g.sampling.maxNewTokens)),
            .same("clip", "epsilon", yamlNumber(g.clip)),
            .same("epochs", "num_iterations", String(g.epochs)),
            .same("lr", "learning_rate", yamlNumber(g.learningRate)),
            .same("constant lr", "lr_scheduler_type", "constant"),
            .same("no weight decay", "weight_decay", "0"),
        ] + adam
        if g.minibatchSize > 0 && g.minibatchSize < completions {
            out.append(.same("minibatch", "steps_per_generation", String(completions / g.minibatchSize)))
        }
        switch g.baseline {
        case .grpo:
            out += [.same("(r − mean)/std per group", "scale_rewards", "group"),
                    .same("mean per answer, then over answers", "loss_type", "grpo"),
                    .same("beta on k3 in the loss", "beta", yamlNumber(g.beta))]
        case .drgrpo:
            out += [.same("r − mean, no std", "scale_rewards", "none"),
                    .same("tokens summed over max_tokens", "loss_type", "dr_grpo"),
                    .same("beta on k3 in the loss", "beta", yamlNumber(g.beta))]
        case .rloo:
            out += [.same("beta on k1 in the reward", "beta", yamlNumber(g.beta)),
                    .same("leave-one-out baseline, not normalised", "normalize_advantages", "false"),
                    .same("the answer as one action (its ratio clipped)", "", "")]  // trl/trainer/rloo_trainer.py: logps summed per sequence
        }
        if g.missingEndPenalty > 0 {
            out.append(.cannot("missing_eos_penalty", "TRL 1.16's trainers have none; mask_truncated_completions drops cut answers instead"))
        }
        if let reward = plan.reward {
            out.append(reward.model != nil ? .same("reward=\(reward.name)", "reward_model_name_or_path", "reward_model")
                : .same("reward=\(reward.name), served by `serve reward \(reward.name)`", "reward_funcs", "[reward.trl_reward]"))
        }
        return out
    }

    /// TRL's ModelConfig adapters, as PEFT builds them.
    static func loraSettings(_ lora: LoRASettings?) -> [EngineSetting] {
        guard let lora else { return [] }
        return [.same("lora", "use_peft", "true"), .same("lora", "lora_r", String(lora.rank)),
                .same("lora_alpha", "lora_alpha", yamlNumber(lora.alpha)),
                .same("lora_dropout", "lora_dropout", yamlNumber(lora.dropout)),
                .same("lora_targets", "lora_target_modules", "[" + lora.targets.joined(separator: ", ") + "]")]
            + (lora.rsLoRA ? [.same("rslora", "use_rslora", "true")] : [])
    }
}
