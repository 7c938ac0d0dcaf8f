import Alignment
import Datasets
import LanguageModel

/// A run as verl 0.9 takes it: Hydra overrides of verl/trainer/config/
/// _generated_ppo_trainer.yaml (python3 -m verl.trainer.main_ppo) and of
/// sft_trainer_engine.yaml (verl.trainer.sft_trainer), read from the 0.9.1
/// wheel, whose keys scripts/engine-check looks up. verl has no DPO and no
/// reward-model trainer; its data is parquet, which data/prepare_verl.py writes.
enum VerlExport {
    /// Why verl cannot take the run, or nil when it can.
    static func lacks(_ plan: ExportPlan) -> String? {
        switch plan.method {
        case .dpo: "verl 0.9 has no DPO trainer (only a SPIN recipe)"
        case .rewardModel: "verl 0.9 trains no reward models (it only serves them)"
        default: nil
        }
    }

    static func config(_ plan: ExportPlan, seed: Int) -> EngineConfig {
        var settings: [EngineSetting]
        let command: String
        switch plan.method {
        case let .sft(t):
            command = "torchrun --standalone --nproc_per_node=1 -m verl.trainer.sft_trainer"
            settings = [
                .same("", "model.path", "$PWD/model"),
                .same("", "data.train_files", "$PWD/data/sft.parquet"), .same("prompt and answer as chat turns", "data.messages_key", "messages"),
                .same("steps", "trainer.total_training_steps", String(t.steps)),
                .same("batch", "data.train_batch_size", String(t.batchSize)),
                .same("", "data.micro_batch_size_per_gpu", "1"),
                .same("context", "data.max_length", String(t.sequenceLength)), .same("", "data.truncation", "right"),
                .same("lr", "optim.lr", yamlNumber(t.learningRate)),
                .same("warm-up, then cosine to 10%", "optim.lr_scheduler_type", "cosine"), .same("", "optim.min_lr_ratio", "0.1"),
                t.warmup == 0 ? .same("no warm-up", "optim.lr_warmup_steps", "0")
                    : .differs("warmup", "optim.lr_warmup_steps", String(t.warmup), "verl's warm-up starts at lr 0: the same ramp, one step later"),
                t.weightDecay == 0 ? .same("no weight decay", "optim.weight_decay", "0")
                    : .differs("AdamW weight decay on matrices", "optim.weight_decay", yamlNumber(t.weightDecay),
                               "verl decays every parameter, biases and norm weights too"),
                .same("AdamW β₁, β₂", "optim.betas", "[0.9,0.95]"), .same("gradient norm clipped at 1", "optim.clip_grad", "1"),
                .same("loss on the answer only", "", ""),
                .same("seed", "trainer.seed", String(seed)),
                .same("", "trainer.n_gpus_per_node", "1"), .same("", "trainer.logger", "[console]"),
            ] + lora(plan.lora, prefix: "model.")
        case let .group(g, _):
            command = "python3 -m verl.trainer.main_ppo"
            settings = rollout(plan, plan.rollout!)
            switch g.baseline {
            case .grpo:
                settings += [.same("(r − mean)/(std + 1e-4) per group (verl's ε: 1e-6)", "algorithm.adv_estimator", "grpo"),
                             .same("", "algorithm.norm_adv_by_std_in_grpo", "true"),
                             .same("mean per answer, then over answers (verl's default: token-mean)", "actor_rollout_ref.actor.loss_agg_mode",
                                   "seq-mean-token-mean")] + klInLoss(g.beta)
            case .drgrpo:
                settings += [.same("r − mean, no std", "algorithm.adv_estimator", "grpo"),
                             .same("", "algorithm.norm_adv_by_std_in_grpo", "false"),
                             .same("tokens summed over max_tokens", "actor_rollout_ref.actor.loss_agg_mode", "seq-mean-token-sum-norm"),
                             .same("", "actor_rollout_ref.actor.loss_scale_factor", String(plan.rollout!.sampling.maxNewTokens))]
                    + klInLoss(g.beta)
            case .rloo:
                settings += [.same("leave-one-out baseline", "algorithm.adv_estimator", "rloo")] + klInReward(Double(g.beta))
                    + [.differs("the answer as one action (its ratio clipped)", "actor_rollout_ref.actor.loss_agg_mode", "token-mean",
                                "verl clips each token's ratio and averages over tokens: long answers weigh more")]
            }
        case let .ppo(p, _):
            command = "python3 -m verl.trainer.main_ppo"
            settings = rollout(plan, plan.rollout!)
                + [.same("GAE, advantages whitened over the batch", "algorithm.adv_estimator", "gae"),
                   .same("γ", "algorithm.gamma", yamlNumber(p.gamma)), .same("λ (verl's default: 1)", "algorithm.lam", yamlNumber(p.lambda)),
                   .same("mean over the minibatch's tokens", "actor_rollout_ref.actor.loss_agg_mode", "token-mean")]
                + klInReward(p.beta)
                + (p.targetKL.map { [.same("adaptive β", "algorithm.kl_ctrl.type", "adaptive"),
                                     .differs("target KL per answer", "algorithm.kl_ctrl.target_kl", yamlNumber($0),
                                              "verl compares the target with the mean KL per token, not per answer: β runs away; divide by the mean length"),
                                     .same("horizon", "algorithm.kl_ctrl.horizon", yamlNumber(p.horizon))] } ?? [])
                + [.same("value model from the reward model", "critic.model.path", "$PWD/critic"),
                   .same("value clip (verl's default: 0.5)", "critic.cliprange_value", yamlNumber(p.valueClip)),
                   .same("value lr", "critic.optim.lr", yamlNumber(p.valueLearningRate)),
                   .same("", "critic.optim.weight_decay", "0"), .same("", "critic.optim.betas", "[0.9,0.95]"),
                   .same("", "critic.ppo_micro_batch_size_per_gpu", "1")]
                + (p.ptxCoefficient > 0 ? [.cannot("ptx", "verl 0.9's PPO has no pretraining mix (PPO-ptx)")] : [])
        case .dpo, .rewardModel:
            preconditionFailure("VerlExport.config: \(lacks(plan) ?? "")")
        }
        if case .sft = plan.method {} else { settings.append(.same("seed", "data.seed", String(seed))) }
        settings.append(.differs("f32 arithmetic", "", "", "verl computes in bf16 under FSDP's mixed precision (its default)"))
        return EngineConfig.script(engine: "verl", file: "verl-\(plan.kind).sh", run: plan.run, command: command, syntax: .overrides,
                                   settings: settings,
                                   before: ["# verl reads parquet: data/prepare_verl.py writes it from the JSONL files (pip install pyarrow).",
                                            "[ -e data/\(plan.data[0].file.replacingOccurrences(of: ".jsonl", with: ".parquet")) ] || python3 data/prepare_verl.py"])
    }

    /// β on k3 in the loss (verl's low_var_kl), no KL in the reward.
    static func klInLoss(_ beta: Double) -> [EngineSetting] {
        [.same("beta on k3 in the loss", "actor_rollout_ref.actor.use_kl_loss", "true"),
         .same("", "actor_rollout_ref.actor.kl_loss_type", "low_var_kl"),
         .same("beta", "actor_rollout_ref.actor.kl_loss_coef", yamlNumber(beta)),
         .same("", "algorithm.use_kl_in_reward", "false")]
    }

    /// β on k1 in the reward.
    static func klInReward(_ beta: Double) -> [EngineSetting] {
        [.same("beta on k1 in the reward", "algorithm.use_kl_in_reward", "true"), .same("", "algorithm.kl_penalty", "kl"),
         .same("beta", "algorithm.kl_ctrl.kl_coef", yamlNumber(beta)), .same("", "actor_rollout_ref.actor.use_kl_loss", "false")]
    }

    /// What PPO, GRPO and RLOO share in main_ppo: data, reward, rollout, the actor's optimiser, one GPU.
    static func rollout(_ plan: ExportPlan, _ r: ExportPlan.Rollout) -> [EngineSetting] {
        let (prompts, samples, steps, minibatch) = (r.prompts, r.samples, r.steps, r.minibatch)
        var out: [EngineSetting] = [
            .same("", "actor_rollout_ref.model.path", "$PWD/model"),
            .same("", "data.train_files", "$PWD/data/prompts.parquet"), .same("", "data.val_files", "$PWD/data/prompts.parquet"),
            .same("", "trainer.val_before_train", "false"),
        ]
        if let reward = plan.reward {
            if reward.model != nil {
                out += [.same("reward=\(reward.name)", "reward.reward_model.enable", "true"),
                        .same("", "reward.reward_model.model_path", "$PWD/reward_model"),
                        .same("", "reward.reward_model.rollout.name", "vllm"), .same("", "reward.reward_model.rollout.tensor_model_parallel_size", "1")]
            } else if reward.whitens {
                out.append(.cannot("reward=\(reward.name), whitened over each batch", "verl's compute_score scores one answer at a time: a whitened reward would be 0"))
            } else {
                out += [.same("reward=\(reward.name), served by `serve reward \(reward.name)`", "reward.custom_reward_function.path", "$PWD/reward.py"),
                        .same("", "reward.custom_reward_function.name", "compute_score")]
            }
        }
        out += [
            steps > 0 ? .same("steps taken", "trainer.total_training_steps", String(steps))
                : .differs("no step yet", "trainer.total_training_steps", "1", "the run has taken no step: set the steps you want"),
            .same("batch (prompts)", "data.train_batch_size", String(prompts)),
            .same(samples > 1 ? "group" : "one answer per prompt", "actor_rollout_ref.rollout.n", String(samples)),
            minibatch % samples == 0
                ? .same("minibatch (\(minibatch) answers)", "actor_rollout_ref.actor.ppo_mini_batch_size", String(minibatch / samples))
                : .differs("minibatch (\(minibatch) answers)", "actor_rollout_ref.actor.ppo_mini_batch_size", String(max(1, minibatch / samples)),
                           "verl counts minibatches in prompts: \(max(1, minibatch / samples)) × \(samples) answers"),
            .same("", "actor_rollout_ref.actor.ppo_micro_batch_size_per_gpu", "1"),
            .same("", "actor_rollout_ref.rollout.log_prob_micro_batch_size_per_gpu", "1"),
            .same("", "actor_rollout_ref.ref.log_prob_micro_batch_size_per_gpu", "1"),
            .same("", "actor_rollout_ref.rollout.name", "vllm"), .same("", "actor_rollout_ref.rollout.tensor_model_parallel_size", "1"),
            .same("epochs", "actor_rollout_ref.actor.ppo_epochs", String(r.epochs)),
            .same("temperature", "actor_rollout_ref.rollout.temperature", yamlNumber(r.sampling.temperature)),
            .same("max_tokens", "data.max_response_length", String(r.sampling.maxNewTokens)),
            .same("clip", "actor_rollout_ref.actor.clip_ratio", yamlNumber(r.clip)),
            .same("lr", "actor_rollout_ref.actor.optim.lr", yamlNumber(r.learningRate)),
            .same("constant lr", "actor_rollout_ref.actor.optim.lr_scheduler_type", "constant"),
            .same("no weight decay", "actor_rollout_ref.actor.optim.weight_decay", "0"),
            .same("AdamW β₁, β₂", "actor_rollout_ref.actor.optim.betas", "[0.9,0.95]"),
            .same("gradient norm clipped at 1", "actor_rollout_ref.actor.grad_clip", "1"),
            .same("", "trainer.n_gpus_per_node", "1"), .same("", "trainer.nnodes", "1"), .same("", "trainer.logger", "[console]"),
        ]
        return out + lora(plan.lora, prefix: "actor_rollout_ref.model.")
    }

    static func lora(_ lora: LoRASettings?, prefix: String) -> [EngineSetting] {
        guard let lora else { return [] }
        return [.same("lora", prefix + "lora_rank", String(lora.rank)), .same("lora_alpha", prefix + "lora_alpha", yamlNumber(lora.alpha)),
                .same("lora_targets", prefix + "target_modules", "[" + lora.targets.joined(separator: ",") + "]")]
            + (lora.dropout > 0 ? [.cannot("lora_dropout", "verl's adapters have no dropout setting")] : [])
            + (lora.rsLoRA ? [.cannot("rslora", "verl's adapters scale by α/r")] : [])
    }

    /// data/prepare_verl.py: the JSONL files as the parquet rows verl reads (the
    /// shape of verl's examples/data_preprocess/gsm8k.py: data_source, prompt as
    /// messages, ability, reward_model.ground_truth, extra_info; SFT as messages).
    static func prepareScript(field: String?) -> String { prepareTemplate.replacingOccurrences(of: "ANSWER_FIELD", with: field.map(jsonQuoted) ?? "None") }

    private static let prepareTemplate = #"""
        """Writes the parquet files verl reads from this export's JSONL files (written by rlhf's export).

        python3 data/prepare_verl.py   # needs pyarrow (pip install pyarrow)
        """

        import json
        import os

        import pyarrow as pa
        import pyarrow.parquet as pq

        here = os.path.dirname(os.path.abspath(__file__))


        def rows(name):
            with open(os.path.join(here, name)) as f:
                return [json.loads(line) for line in f if line.strip()]


        def user(messages):
            return [m for m in messages if m["role"] == "user"][-1]["content"]


        # The prompt field the run's reward reads (its answer), which travels as verl's ground truth (reward.py reads it back).
        FIELD = ANSWER_FIELD

        if os.path.exists(os.path.join(here, "prompts.jsonl")):
            table = []
            for i, r in enumerate(rows("prompts.jsonl")):
                table.append({"data_source": "rlhf", "prompt": r["prompt"], "ability": "rlhf",
                              "reward_model": {"style": "rule", "ground_truth": str(r.get(FIELD, "")) if FIELD else ""},
                              "extra_info": {"index": i, "prompt": user(r["prompt"]), "safety": bool(r.get("safety", False))}})
            pq.write_table(pa.Table.from_pylist(table), os.path.join(here, "prompts.parquet"))
        if os.path.exists(os.path.join(here, "sft.jsonl")):
            table = [{"messages": r["prompt"] + r["completion"]} for r in rows("sft.jsonl")]
            pq.write_table(pa.Table.from_pylist(table), os.path.join(here, "sft.parquet"))

        """#
}
