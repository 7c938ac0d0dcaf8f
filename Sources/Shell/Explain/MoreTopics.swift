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
