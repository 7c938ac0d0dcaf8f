import Alignment
import Foundation
import LanguageModel

/// A run as OpenRLHF 0.11's command lines take it (openrlhf/cli/train_sft.py,
/// train_rm.py, train_dpo.py and train_ppo_ray.py of the 0.11.2 wheel, whose
/// dotted flags scripts/engine-check parses with the engine's own parsers),
/// each setting beside what the run did here.
enum OpenRLHFExport {
    static func config(_ plan: ExportPlan, seed: Int) -> EngineConfig {
        let records = plan.data[0].lines.count
        var settings: [EngineSetting]
        let module: String
        switch plan.method {
        case let .sft(t):
            module = "train_sft"
            settings = [.same("", "--model.model_name_or_path", "$PWD/model"),
                        .same("", "--data.dataset", "$PWD/data/\(plan.data[0].file)"),
                        .same("prompt and answer as chat turns", "--data.input_key", "prompt"),
                        .same("", "--data.output_key", "completion"), .same("", "--data.apply_chat_template", ""),
                        .same("loss on the answer only, averaged over its tokens", "", "")]
                + supervised(t, plan) + TRLExport.cutAnswers(plan)
        case let .rewardModel(t, loss):
            module = "train_rm"
            settings = [.same("", "--model.model_name_or_path", "$PWD/model"),
                        .same("the head `score` the model starts with", "--ds.value_head_prefix", "score"),
                        .same("", "--data.dataset", "$PWD/data/pairs.jsonl"), .same("", "--data.prompt_key", "prompt"),
                        .same("", "--data.chosen_key", "chosen"), .same("", "--data.rejected_key", "rejected"),
                        .same("", "--data.apply_chat_template", ""), .same("−log σ(r_c − r_r)", "--model.loss_type", "sigmoid")]
                + supervised(t, plan) + TRLExport.cutAnswers(plan)
            switch loss {
            case .margin:
                settings.append(.same("loss=margin (Llama 2): pairs.jsonl's margin column", "--model.margin_loss_enable", ""))
            case .ranking:
                settings.append(.differs("loss=ranking: a ranking's pairs in one batch element", "", "",
                                         "OpenRLHF shuffles pairs, so a batch mixes rankings: the same loss in expectation, correlated pairs apart"))
            case .pairwise: break
            case .soft: settings.append(.cannot("loss=soft", "OpenRLHF's reward trainer has no soft labels: it trains each pair as a hard preference"))
            }
        case let .dpo(d, steps):
            module = "train_dpo"
            settings = [.same("", "--model.model_name_or_path", "$PWD/model")]
                + (plan.reference != nil ? [.same("the run's own reference", "--ref.model_name_or_path", "$PWD/ref_model")] : [])
                + [.same("", "--data.dataset", "$PWD/data/pairs.jsonl"), .same("", "--data.prompt_key", "prompt"),
                   .same("", "--data.chosen_key", "chosen"), .same("", "--data.rejected_key", "rejected"),
                   .same("", "--data.apply_chat_template", ""),
                   .same("batch (pairs)", "--train.batch_size", String(d.batchSize)), micro]
                + samples(steps: max(steps, 1), batch: d.batchSize, records: records)
                + [
                   .same("context", "--data.max_len", String(d.context)),
                   .same("lr", "--adam.lr", yamlNumber(d.learningRate)),
                   .same("warm-up, then constant", "--lr_scheduler", "constant_with_warmup"),
                   warmupRatio(d.warmup, steps: max(steps, 1)),
                   .same("no weight decay", "--adam.weight_decay", "0"),
                   .same("beta", "--model.beta", yamlNumber(d.beta))] + adam(prefix: "") + dpoLoss(d)
        case let .group(g, _):
            module = "train_ppo_ray"
            settings = rollout(plan, plan.rollout!)
            switch g.baseline {
            case .grpo:
                settings += [.same("(r − mean)/(std + 1e-4) per group (OpenRLHF's ε: 1e-9)", "--algo.advantage.estimator", "group_norm"),
                             .same("mean per answer, then over answers", "--actor.loss_agg_mode", "seq-mean-token-mean"),
                             .same("beta on k3 in the loss", "--algo.kl.use_loss", ""),
                             .same("", "--algo.kl.estimator", "k3"),
                             .differs("beta, its KL averaged per answer", "--algo.kl.init_coef", yamlNumber(g.beta),
                                      "OpenRLHF averages the KL term over the batch's tokens whatever loss_agg_mode says: long answers' KL weighs more")]
            case .drgrpo:
                settings += [.same("r − mean, no std", "--algo.advantage.estimator", "dr_grpo"),
                             .differs("tokens summed over max_tokens", "--actor.loss_agg_mode", "token-mean",
                                      "OpenRLHF averages over the batch's tokens: the same direction, scaled by max_tokens over the mean length"),
                             .same("beta on k3 in the loss", "--algo.kl.use_loss", ""),
                             .same("", "--algo.kl.estimator", "k3"), .same("beta", "--algo.kl.init_coef", yamlNumber(g.beta))]
            case .rloo:
                settings += [.same("leave-one-out baseline, not normalised", "--algo.advantage.estimator", "rloo"),
                             .same("k1", "--algo.kl.estimator", "k1"),
                             .differs("beta on k1 in the reward, inside the baseline", "--algo.kl.init_coef", yamlNumber(g.beta),
                                      "OpenRLHF takes the leave-one-out baseline of the raw rewards, then adds −β·KL per token with returns-to-go: "
                                          + "the KL is not baselined and weighs early tokens more"),
                             .differs("the answer as one action (its ratio clipped)", "--actor.loss_agg_mode", "token-mean",
                                      "OpenRLHF clips each token's ratio and averages over tokens: long answers weigh more")]
            }
        case let .ppo(p, _):
            module = "train_ppo_ray"
            settings = rollout(plan, plan.rollout!)
                + [.same("GAE, advantages whitened over the batch", "--algo.advantage.estimator", "gae"),
                   .same("γ", "--algo.advantage.gamma", yamlNumber(p.gamma)),
                   .same("λ (OpenRLHF's default: 1)", "--algo.advantage.lambd", yamlNumber(p.lambda)),
                   .same("mean over the minibatch's tokens", "--actor.loss_agg_mode", "token-mean"),
                   .same("beta on k1 in the reward", "--algo.kl.estimator", "k1"),
                   .same("beta", "--algo.kl.init_coef", yamlNumber(p.beta))]
                + (p.targetKL.map { [.differs("adaptive β: target KL per answer", "--algo.kl.target", yamlNumber($0),
                                              "OpenRLHF compares the target with the mean KL per token, not per answer: β runs away; divide by the mean length"),
                                     .same("horizon", "--algo.kl.horizon", yamlNumber(p.horizon))] } ?? [])
                + [.same("value model from the reward model", "--critic.model_name_or_path", "$PWD/critic"),
                   .same("value clip (OpenRLHF's default: 0.5)", "--critic.value_clip", yamlNumber(p.valueClip)),
                   .same("value lr", "--critic.adam.lr", yamlNumber(p.valueLearningRate)),
                   .same("constant value lr", "--critic.lr_scheduler", "constant"), .same("", "--critic.lr_warmup_ratio", "0")]
                + adam(prefix: "--critic.")
                + (p.ptxCoefficient > 0 ? [.cannot("ptx", "OpenRLHF 0.11's PPO has no pretraining mix (PPO-ptx)")] : [])
        }
        settings += lora(plan.lora, prefix: "--ds.lora.")
            + [.differs("f32 arithmetic", "--ds.param_dtype", "bf16",
                        "OpenRLHF computes in bf16 or fp16 (its only choices): log-ratios and small rewards lose precision"),
               .same("", "--ds.attn_implementation", "eager"),
               .same("seed", "--train.seed", String(seed)), .same("", "--ckpt.output_dir", "$PWD/out/openrlhf-\(plan.kind)")]
        let command = module == "train_ppo_ray" ? "python3 -m openrlhf.cli.train_ppo_ray" : "deepspeed --module openrlhf.cli.\(module)"
        return EngineConfig.script(engine: "OpenRLHF", file: "openrlhf-\(plan.kind).sh", run: plan.run, command: command,
                                   syntax: .flags, settings: settings)
    }

    static let micro = EngineSetting.same("", "--train.micro_batch_size", "1")

    /// Steps as OpenRLHF counts them: one epoch over the first steps × batch records of the file.
    static func samples(steps: Int, batch: Int, records: Int) -> [EngineSetting] {
        [.differs("\(steps) steps of \(batch), drawn at random", "--data.max_samples", String(steps * batch),
                  "OpenRLHF counts epochs, not steps: one epoch over the first \(steps * batch) of \(records) records, each once"),
         .same("", "--train.max_epochs", "1")]
    }

    /// Warm-up steps as OpenRLHF's ratio of all steps.
    static func warmupRatio(_ warmup: Int, steps: Int) -> EngineSetting {
        warmup == 0 ? .same("no warm-up", "--lr_warmup_ratio", "0")
            : .differs("warmup \(warmup)", "--lr_warmup_ratio", yamlNumber(min(1, Double(warmup) / Double(steps))),
                       "a ratio of OpenRLHF's own step count, starting at lr 0")
    }

    /// AdamW's constants here (Kernels/AdamW.swift), under `prefix` (`--actor.`, `--critic.`, or none for the trainers whose flags are bare).
    static func adam(prefix: String) -> [EngineSetting] {
        let adamPrefix = prefix.isEmpty ? "--adam." : prefix + "adam."
        return [.same("AdamW β₁, β₂", adamPrefix + "betas", "0.9 0.95"), .same("AdamW ε", adamPrefix + "eps", "1.0e-08"),
                .same("gradient norm clipped at 1", (prefix.isEmpty ? "--" : prefix) + "max_norm", "1")]
    }

    /// sft's and reward-model training's batch, steps, context and schedule (warm-up, then cosine to 10%).
    static func supervised(_ t: TrainingSettings, _ plan: ExportPlan) -> [EngineSetting] {
        let records = plan.data[0].lines.count
        let pairs = plan.pairsPerGroup ?? 1
        return [TRLExport.batch(t.batchSize, pairsPerGroup: plan.pairsPerGroup, key: "--train.batch_size", engine: "OpenRLHF"), micro]
            + samples(steps: t.steps, batch: t.batchSize * pairs, records: records)
            + [.same("context", "--data.max_len", String(t.sequenceLength)),
         .same("lr", "--adam.lr", yamlNumber(t.learningRate)),
         .same("warm-up, then cosine to 10%", "--lr_scheduler", "cosine_with_min_lr"), .same("", "--min_lr_ratio", "0.1"),
         warmupRatio(t.warmup, steps: t.steps),
         decay(t.weightDecay, plan)] + adam(prefix: "")
    }

    /// Weight decay: here on matrices only; OpenRLHF's no-decay list (utils/deepspeed/deepspeed_utils.py) names
    /// bias, layernorm and norm weights and ln_f, which leaves GPT-2's ln_1 and ln_2 decaying.
    static func decay(_ rate: Float, _ plan: ExportPlan) -> EngineSetting {
        plan.start.config.family == .gpt2 && rate > 0
            ? .differs("AdamW weight decay on matrices", "--adam.weight_decay", yamlNumber(rate),
                       "OpenRLHF also decays GPT-2's ln_1 and ln_2 weights (its no-decay list knows ln_f only)")
            : .same("AdamW weight decay on matrices", "--adam.weight_decay", yamlNumber(rate))
    }

    /// DPO's loss as OpenRLHF's DPOLoss computes it (openrlhf/models/loss.py): summed log-ratios.
    static func dpoLoss(_ d: DPOSettings) -> [EngineSetting] {
        var out: [EngineSetting] = []
        let means = EngineSetting.differs("per-token mean log-probabilities", "", "",
                                          "OpenRLHF sums log-probabilities over the answer: a β tuned on means is far too strong")
        switch d.loss {
        case .sigmoid: out.append(.same("loss=sigmoid", "", ""))
            if d.averagesLogProbs { out.append(means) }
        case .cdpo: out.append(.same("loss=cdpo: ε", "--model.label_smoothing", yamlNumber(d.epsilon)))
            if d.averagesLogProbs { out.append(means) }
        case .ipo:
            out.append(d.averagesLogProbs
                ? .differs("loss=ipo (per-token means)", "--model.ipo_enable", "",
                           "OpenRLHF's IPO sums log-ratios over tokens: with β tuned on means its margin target 1/(2β) is reached far sooner")
                : .same("loss=ipo (sums)", "--model.ipo_enable", ""))
        case .robust, .hinge, .simpo, .orpo, .kto:
            out.append(.cannot("loss=\(d.loss.rawValue)", "OpenRLHF's DPO trainer has sigmoid, cDPO (label_smoothing) and IPO only"))
        }
        if d.nllWeight > 0 {
            out.append(.same("nll (RPO), the chosen answer's mean log-likelihood", "--model.nll_loss_coef", yamlNumber(d.nllWeight)))
        }
        return out
    }

    /// What PPO, GRPO and RLOO share in train_ppo_ray: the data, the reward, the rollout and the actor's optimiser.
    static func rollout(_ plan: ExportPlan, _ r: ExportPlan.Rollout) -> [EngineSetting] {
        let (prompts, samples, steps) = (r.prompts, r.samples, r.steps)
        var out: [EngineSetting] = [
            .same("", "--actor.model_name_or_path", "$PWD/model"),
            .same("", "--data.prompt_dataset", "$PWD/data/prompts.jsonl"), .same("", "--data.input_key", "prompt"),
            .same("", "--data.apply_chat_template", ""),
        ]
        if let reward = plan.reward {
            if reward.model != nil {
                out.append(.same("reward=\(reward.name)", "--reward.model_name_or_path", "$PWD/reward_model"))
            } else {
                out.append(reward.whitens
                    ? .cannot("reward=\(reward.name), whitened over each batch", "OpenRLHF asks for one answer's reward at a time: a whitened reward would be 0")
                    : .same("reward=\(reward.name), served by `serve reward \(reward.name)`", "--reward.remote_url", "$PWD/reward.py"))
                if let field = reward.fields.first { out.append(.same("the prompt's \(field)", "--data.label_key", field)) }
            }
        }
        out += [
            .same("batch (prompts)", "--rollout.batch_size", String(prompts)),
            .same(samples > 1 ? "group" : "one answer per prompt", "--rollout.n_samples_per_prompt", String(samples)),
            .same("minibatch (answers)", "--train.batch_size", String(r.minibatch)), micro,
            .same("", "--rollout.micro_batch_size", "1"),
            .differs(steps > 0 ? "\(steps) steps of \(prompts) prompts drawn from all" : "no step yet", "--data.max_samples",
                     String(max(steps, 1) * prompts),
                     "OpenRLHF counts episodes over the file: this takes its first \(max(steps, 1) * prompts) prompts once"
                         + (steps > 0 ? "" : " (the run has taken no step: set the steps you want)")),
            .same("", "--train.num_episodes", "1"),
            .same("epochs", "--train.max_epochs", String(r.epochs)),
            .same("temperature", "--rollout.temperature", yamlNumber(r.sampling.temperature)),
            .same("max_tokens", "--rollout.max_new_tokens", String(r.sampling.maxNewTokens)),
            .same("clip", "--actor.eps_clip", yamlNumber(r.clip)),
            .same("lr", "--actor.adam.lr", yamlNumber(r.learningRate)),
            .same("constant lr", "--actor.lr_scheduler", "constant"), .same("", "--actor.lr_warmup_ratio", "0"),
            .same("no weight decay", "--actor.adam.weight_decay", "0"),
        ] + adam(prefix: "--actor.")
        out.append(.differs("rewards as they come", "", "", "OpenRLHF clips rewards to [−10, 10] (--reward.clip_range); the world's stay within it"))
        return out
    }

    /// The adapters as OpenRLHF's DeepSpeed strategy builds them with PEFT.
    static func lora(_ lora: LoRASettings?, prefix: String) -> [EngineSetting] {
        guard let lora else { return [] }
        let alpha: EngineSetting = lora.alpha == lora.alpha.rounded() ? .same("lora_alpha", prefix + "alpha", String(Int(lora.alpha)))
            : .differs("lora_alpha \(lora.alpha)", prefix + "alpha", String(Int(lora.alpha.rounded())), "OpenRLHF's alpha is a whole number")
        return [.same("lora", prefix + "rank", String(lora.rank)), alpha,
                .same("lora_dropout", prefix + "dropout", yamlNumber(lora.dropout)),
                .same("lora_targets", prefix + "target_modules", lora.targets.joined(separator: " "))]
            + (lora.rsLoRA ? [.cannot("rslora", "OpenRLHF's adapters scale by α/r")] : [])
    }
}
