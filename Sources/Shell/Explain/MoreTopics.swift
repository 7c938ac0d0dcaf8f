extension Topic {
    /// Topics that cut across stages: adapters, the warnings, label noise, RPO.
    static let crossTopics: [Topic] = [
        Topic(
            name: "reward-normalisation", aliases: ["reward-shift", "whitening", "normalization"], stage: "reward models",
            title: "why a reward is shifted or whitened before RL",
            idea: """
                A reward model's scores have no fixed zero: the Bradley–Terry loss sees only differences. \
                InstructGPT shifts its reward model so the labelers' demonstrations score 0 on average; \
                Llama 2 whitens each batch's rewards. A constant shift changes no comparison, but it moves \
                how a reward trades against the KL penalty and where PPO's value model starts, so an \
                unshifted reward can make every answer look good or bad.
                """,
            equation: "r' = r − mean_{demos} r        whiten(r) = (r − mean_batch r) / std_batch r",
            source: "Ouyang et al. 2022 §3.5 (arXiv 2203.02155); Touvron et al. 2023 §3.2.2 (arXiv 2307.09288)",
            shows: ["reward NAME RM shift=DEMOS", "reward NAME llama2 helpfulness=RM safety=RM"]),
        Topic(
            name: "verifiable-rewards", aliases: ["rlvr", "rule-rewards", "answer-check", "match-reward"], stage: "rewards and best-of-n",
            title: "rewards that check an answer instead of a reward model",
            idea: """
                Where a prompt has one right answer (GSM8K's numbers, MATH's boxed expressions, code with \
                tests), a rule can score a response: read its final answer and compare it with the \
                reference, 1 or 0. DeepSeek-R1 trains with such an accuracy reward plus a format reward \
                and no reward model, which a long RL run could learn to exploit; a length penalty \
                (DAPO's) keeps answers inside the token budget. The rule sees only what it reads: a right answer said \
                in another form scores 0, and RL then learns the form the rule pays for as much as the \
                answer. Yue et al. find that such RL mostly picks among what the model already does \
                (pass@1 rises, pass@k at large k barely moves): it sharpens, it does not teach new sums.
                """,
            equation: "r = 1[extract(y) = answer]        R = Σ wᵢ rᵢ        r_len = clip(((L − B) − |y|) / B, −1, 0)",
            source: "DeepSeek-AI 2025 §2.2.2 (arXiv 2501.12948); Yu et al. 2025 eq. 13 (arXiv 2503.14476); Yue et al. 2025 (arXiv 2504.13837)",
            shows: ["world problems NAME", "reward NAME match field=answer", "reward NAME sum A=0.8 B=0.2", "eval MODEL on=DATA reward=R pass_at=1,8"]),
        Topic(
            name: "model-families", aliases: ["families", "architectures", "chat-template", "templates"], stage: "models and data",
            title: "what differs between GPT-2, Llama, Qwen3, OLMo 2, Gemma 3 and SmolLM3, and how a model reads a chat",
            idea: """
                The families share one block, attention then an MLP, each added to the residual stream; \
                they differ in small choices: LayerNorm or RMSNorm (Gemma's scales by 1 + w), a norm \
                before each sublayer, after it (OLMo 2) or both (Gemma 3), q/k norms per head (Qwen3) or \
                over the projection (OLMo 2), a GELU, SwiGLU or GeGLU MLP, rotary positions on every \
                layer or some (SmolLM3 skips every fourth), sliding-window layers beside global ones \
                (Gemma 3), a scaled embedding. Here a family is that list of choices, read with the sizes \
                from config.json. A chat model also reads its conversations in a template of its own \
                (ChatML's <|im_start|>, Llama 3's headers, Gemma's turns); the same words in another \
                family's template are text it was never trained on.
                """,
            source: "the families' config classes and modeling files in transformers; Team OLMo 2024 (arXiv 2501.00656); Gemma Team 2025 (arXiv 2503.19786)",
            shows: ["info MODEL", "template MODEL \"Hi\"", "chat MODEL \"Hi\"", "new model NAME family=qwen3"]),
        Topic(
            name: "engine-differences", aliases: ["export", "trl", "engines"], stage: "models and data",
            title: "why a recipe run elsewhere is not the same run: where the engines differ",
            idea: """
                Exporting a recipe to an engine that trains at scale keeps its numbers but not always their \
                meaning. The same names hide other computations: a batch counts completions in TRL and \
                prompts here; transformers' warm-up starts at a learning rate of 0 and its weight decay \
                spares biases and norms; TRL's GRPO averages tokens over the whole batch unless told \
                loss_type grpo and puts no KL in the loss by default; its IPO averages log-ratios per \
                token; its DPO has no conservative (cDPO) form. A GPT-2 config.json without dropout rates \
                trains in transformers with dropout 0.1 the model never had (folders written here say 0). \
                export writes each setting beside the engine's and names each difference with the effect \
                to expect, so the run at scale is the experiment understood here, or knowingly another; \
                the first batch it writes beside its loss lets anyone check the mapping, and serve reward \
                keeps the rewards only this tool has (gold, Llama 2's rule) within the engine's reach.
                """,
            source: "TRL 1.16's SFTConfig, DPOConfig, GRPOConfig and RLOOConfig and their trainers (2026); transformers' TrainingArguments",
            shows: ["export RUN DIR", "serve reward NAME"]),
        Topic(
            name: "lora", aliases: ["adapters", "low-rank"], stage: "models and data",
            title: "LoRA: train a low-rank update, leave the weights frozen",
            idea: """
                LoRA freezes a weight matrix W and learns a product B·A of two thin matrices beside it, of \
                rank r, scaled by α/r. Only A and B train (B starts at 0, so training starts from the model \
                as it was), which takes a fraction of the memory for gradients and optimiser moments; merged \
                afterwards, the model costs nothing more to run.
                """,
            equation: "h = W x + (α/r) B A x,      A: r × in,  B: out × r,  B₀ = 0",
            source: "Hu et al. 2021, \"LoRA: Low-Rank Adaptation of Large Language Models\" (arXiv 2106.09685)",
            shows: ["sft … lora=16", "dpo init … lora=16", "merge adapter MODEL"]),
        Topic(
            name: "early-warnings", aliases: ["warnings", "collapse"], stage: "RL",
            title: "the signs that an RL run is going wrong",
            idea: """
                After each step an RL run here checks four things: the proxy reward rising while gold \
                falls (overoptimisation), KL accelerating away from the reference, entropy collapsing (the \
                policy stops exploring), and the answers' length running away (a reward that likes length). \
                Each prints a line under the step; none stops the run. A step's proxy and gold are means \
                over one batch of prompts, noisy from step to step, so the first warning waits for 8 steps \
                and speaks only when both slopes' 95% intervals exclude 0: a gold that merely wobbles down \
                for a few steps says nothing, and the line gives the intervals it rests on.
                """,
            equation: "slope ± t(0.975, n − 2) · √(SSR/(n − 2) / Σ(x − x̄)²),   warn when proxy's low > 0 and gold's high < 0",
            source: "Gao et al. 2022 (arXiv 2210.10760); Singhal et al. 2023, \"A Long Way to Go\" on length (arXiv 2310.03716)",
            shows: ["ppo step", "grpo step", "rloo step"]),
        Topic(
            name: "label-noise", aliases: ["cdpo", "robust-dpo", "conservative-dpo"], stage: "preference optimisation",
            title: "cDPO and robust DPO: labels flipped at a rate ε",
            idea: """
                Human labels are noisy: some pairs are the wrong way round. Conservative DPO trains toward \
                the label smoothed by ε (it cannot drive the margin to infinity); robust DPO corrects the \
                loss so that it is unbiased under flips at rate ε. Both need ε, the flip rate one assumes.
                """,
            equation: """
                cDPO:    L = (1 − ε) ℓ(h) + ε ℓ(−h),          ℓ(h) = −log σ(β h)
                robust:  L = [(1 − ε) ℓ(h) − ε ℓ(−h)] / (1 − 2ε)
                """,
            source: "Mitchell 2023, \"A note on DPO with noisy preferences\"; Chowdhury et al. 2024, \"Provably Robust DPO\" (arXiv 2403.00409)",
            shows: ["dpo init … loss=cdpo epsilon=0.1", "dpo init … loss=robust epsilon=0.1"]),
        Topic(
            name: "rpo", aliases: ["nll-term", "rpo-alpha"], stage: "preference optimisation",
            title: "RPO: DPO plus the chosen answer's likelihood",
            idea: """
                Adding α times the chosen answer's negative log-likelihood to DPO's loss holds the chosen \
                answer's probability up while the margin grows, against the displacement DPO allows (explain \
                dpo-rewards-fall). TRL calls α rpo_alpha.
                """,
            equation: "L = L_DPO − α · log π(y_w | x) / |y_w|",
            source: "Pang et al. 2024, \"Iterative Reasoning Preference Optimization\" (arXiv 2404.19733)",
            shows: ["dpo init … rpo=1"]),
    ]
}
