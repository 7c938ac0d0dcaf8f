import Foundation

extension Topic {
    static let rlTopics: [Topic] = [
        Topic(
            name: "kl-penalty", aliases: ["kl", "where-kl", "kl-placement", "which-kl"], stage: "RL",
            title: "which KL, and where it enters: reward, loss or advantage",
            idea: """
                Every RL method here keeps the policy near a frozen reference (the SFT model), because the \
                reward model is only trustworthy near the answers it was trained on: without the leash the \
                policy drifts to text the reward model overrates (see overoptimisation). Methods differ in \
                where the KL goes. PPO (InstructGPT, and here) subtracts β·(log π − log π_ref) from the reward \
                of every token, so it flows through GAE into the advantages; RLOO subtracts the response's \
                summed k1 from its reward; GRPO adds β·k3 per token to the loss, outside the advantages. \
                TRL's GRPO puts β·k3 in the loss (beta, default 0.0 in TRL 1.x), verl has use_kl_loss \
                (k3 as low_var_kl) or a KL in the reward, OpenRLHF puts it in the reward by default. \
                control=nokl on any RL init runs the same run with β = 0 beside it, from the same draws: \
                what the leash buys shows as gold kept and KL saved.
                """,
            equation: """
                PPO:   r_t = −β (log π(y_t) − log π_ref(y_t)),  plus the score at the last token
                RLOO:  R = score − β Σ_t (log π − log π_ref)
                GRPO:  L = −(1/G) Σ_i (1/|o_i|) Σ_t [min(ρ A_i, clip(ρ) A_i) − β k3_t]
                """,
            source: "Ouyang et al. 2022 eq. 2 (arXiv 2203.02155); Shao et al. 2024, DeepSeekMath eq. 3–4 (arXiv 2402.03300); "
                + "Ahmadian et al. 2024 (arXiv 2402.14740)",
            shows: ["ppo show", "grpo init … beta=", "grpo init … control=nokl", "explain kl-estimators"],
            live: { s in
                guard let run = s.latestRun("ppo", "grpo", "rloo"), let kl = run.points("kl").last else { return nil }
                let k3 = run.points("kl_k3").last.map { ", k3 \(String(format: "%.3f", $0.value))" } ?? ""
                let place = ["ppo": "in each token's reward", "grpo": "in the loss (k3)", "rloo": "in each response's reward (k1)"][run.kind]!
                return "\(run.name) is a \(run.kind) run: its KL enters \(place); at step \(Int(kl.x)) KL per response was k1 "
                    + String(format: "%.3f", kl.value) + k3 + "."
            }),
        Topic(
            name: "kl-estimators", aliases: ["k1", "k2", "k3", "kl-estimator", "low-var-kl"], stage: "RL",
            title: "k1, k2 and k3: KL(π ‖ π_ref) from the sampled tokens",
            idea: """
                The exact KL sums over the whole vocabulary at every position; from samples of π one \
                estimates it with the ratio ρ = π_ref/π at the sampled tokens. k1 = −log ρ is unbiased but \
                negative on some samples, so its variance is high; k2 = ½(log ρ)² is biased, low variance; \
                k3 = (ρ − 1) − log ρ is unbiased and never negative (verl calls it low_var_kl). Each step \
                here prints both k1 and k3 per response.
                """,
            equation: """
                ρ = π_ref(y_t)/π(y_t)
                k1 = −log ρ        k2 = ½ (log ρ)²        k3 = (ρ − 1) − log ρ   (≥ 0)
                """,
            source: "Schulman 2020, \"Approximating KL Divergence\" (joschu.net/blog/kl-approx.html)",
            shows: ["ppo step", "grpo step", "eval MODEL against REF (prints both)"]),
        Topic(
            name: "negative-kl", aliases: ["kl-negative", "kl-at-first-step", "first-kl", "kl-not-zero"], stage: "RL",
            title: "why KL can be negative, or not 0 at the first update",
            idea: """
                A reported KL of k1 is a mean of log π − log π_ref over sampled tokens: one sample's value can \
                be negative, and a small batch's mean can be too, though the true KL never is (k3 never goes \
                below 0). At the very first step the policy is a copy of the reference, so here both read \
                exactly 0. Where another framework shows a non-zero KL at step one, the two log-probabilities \
                were not computed the same way: sampled at a temperature other than 1 but scored at 1, by an \
                inference engine (vLLM, SGLang) in other numerics than the trainer, with dropout on, or \
                against a reference that is not the starting policy.
                """,
            equation: "E_π[k1] = KL(π ‖ π_ref) ≥ 0, but a single k1 = log π(y) − log π_ref(y) may be < 0",
            source: "Schulman 2020, \"Approximating KL Divergence\"; TRL issues #2703 and #3452; verl #509",
            shows: ["ppo step (kl(k1) and kl(k3) columns)", "ppo show (the kl column per token)"],
            live: { s in
                guard let run = s.latestRun("ppo", "grpo", "rloo") else { return nil }
                let k1 = run.points("kl")
                guard let first = k1.first else { return nil }
                let negative = k1.filter { $0.value < 0 }
                return "in \(run.name), k1 was " + String(format: "%.4f", first.value) + " at step \(Int(first.x))"
                    + (negative.isEmpty ? " and never negative over \(Run.steps(k1))"
                        : " and negative at \(negative.count) of \(k1.count) steps (the first at step \(Int(negative[0].x)))") + "."
            }),
        Topic(
            name: "gae", aliases: ["advantage", "advantages", "generalized-advantage-estimation"], stage: "RL",
            title: "GAE: how much better than expected each token went",
            idea: """
                PPO's value model predicts, at every token, the return still to come. The advantage of a \
                token is how much better things went than that prediction: one-step errors δ_t, discounted \
                by γλ and summed. λ trades bias (λ = 0: trust the value model) for variance (λ = 1: the \
                whole observed return). Here γ = 1 and λ = 0.95; OpenRLHF and verl default to λ = 1. The \
                advantages are whitened over the batch before the update.
                """,
            equation: """
                δ_t = r_t + γ V(t+1) − V(t)
                A_t = Σ_l (γλ)^l δ_{t+l}        return G_t = A_t + V(t)
                """,
            source: "Schulman et al. 2016, \"High-Dimensional Continuous Control Using GAE\" (arXiv 1506.02438)",
            shows: ["ppo show (value, return, adv per token)"]),
        Topic(
            name: "ppo", aliases: ["clip", "ppo-clip", "clipped-ratio"], stage: "RL",
            title: "PPO: clipped updates of the policy, with a value model",
            idea: """
                PPO takes several gradient steps on one batch of samples. To keep them from moving the policy \
                too far from the one that sampled (π_old), it clips the ratio ρ = π/π_old to [1 − ε, 1 + ε] \
                and takes the pessimistic of the clipped and unclipped objectives: a token whose ratio \
                already moved past the bound in the advantage's direction gives no more gradient. With ε = \
                0.2 and a positive advantage, a ratio of 1.8 counts as 1.2. The value model's update is \
                clipped the same way.
                """,
            equation: """
                L_π = E[max(−A ρ, −A clip(ρ, 1 − ε, 1 + ε))],     ρ = π(y_t)/π_old(y_t)
                L_V = ½ E[max((V − G)², (V_old + clip(V − V_old, ±ε_V) − G)²)]
                """,
            source: "Schulman et al. 2017, \"Proximal Policy Optimization Algorithms\" (arXiv 1707.06347); "
                + "Huang et al. 2024, \"The N Implementation Details of RLHF with PPO\" (arXiv 2403.17031)",
            shows: ["ppo init …", "ppo step", "ppo show (ratio column)"],
            live: { s in
                guard let run = s.latestRun("ppo"), let clip = run.points("clip").last else { return nil }
                return "in \(run.name) at step \(Int(clip.x)), " + String(format: "%.1f%%", 100 * clip.value)
                    + " of the policy's token ratios were clipped."
            }),
        Topic(
            name: "value-model", aliases: ["critic", "value"], stage: "RL",
            title: "PPO's estimate of the reward still to come",
            idea: """
                The value model reads the prompt and the answer so far and predicts the return from each \
                token; it starts from the reward model (InstructGPT) and learns alongside the policy. It is \
                what lets PPO credit single tokens, and what GRPO and RLOO drop: they compare whole answers \
                to the same prompt instead, saving a model's memory and compute.
                """,
            equation: "V(x, y_≤t) ≈ E[Σ_{t' ≥ t} r_t']",
            source: "Ouyang et al. 2022 §3.5 (arXiv 2203.02155); Shao et al. 2024 §4.1 (arXiv 2402.03300)",
            shows: ["ppo init … value=RM", "ppo show (value column)"],
            live: { s in
                guard let run = s.latestRun("ppo"), let v = run.points("value_loss").last else { return nil }
                return "\(run.name)'s value loss at step \(Int(v.x)) was " + String(format: "%.3f", v.value) + "."
            }),
        Topic(
            name: "grpo", aliases: ["group-relative", "group-advantages"], stage: "RL",
            title: "GRPO: each answer judged against its group",
            idea: """
                GRPO drops the value model: it samples G answers to each prompt and gives each the advantage \
                of its reward against the group's, standardised; every token of an answer gets that one \
                number. Worked by hand: a group of 8 with 4 right answers (reward 1) and 4 wrong (0) has mean \
                0.5 and standard deviation 0.535 (Bessel's correction, as TRL), so the right ones get \
                (1 − 0.5)/0.535 = +0.94 and the wrong ones −0.94. The update clips each token's ratio as PPO \
                does and adds β·k3 toward the reference in the loss.
                """,
            equation: "A_i = (r_i − mean(r_1..r_G)) / (std(r_1..r_G) + ε)",
            source: "Shao et al. 2024, DeepSeekMath §4.1 (arXiv 2402.03300); Hugging Face LLM course, chapter 12",
            shows: ["grpo init … group=8", "grpo step", "grpo show GROUP"],
            live: { s in
                guard let run = s.latestRun("grpo"), let flat = run.points("flat_groups").last else { return nil }
                return "in \(run.name) at step \(Int(flat.x)), \(Int(flat.value)) groups had rewards all equal: "
                    + "their advantages are all 0 (grpo show GROUP opens one)."
            }),
        Topic(
            name: "grpo-loss", aliases: ["loss-zero", "grpo-loss-zero", "zero-loss", "loss-is-0"], stage: "RL",
            title: "why GRPO's loss sits at 0 while the policy still learns",
            idea: """
                With one update per step (TRL's default num_iterations = 1), π_old is the policy itself, so \
                every ratio is exactly 1 and the clipped term is just −A_i per token. Averaged over an \
                answer's tokens and then over the group, that is −mean(A_i), and GRPO's advantages sum to 0 \
                within each group: the policy term of the loss is 0. What remains is β times the KL, itself \
                0 at the first step. The gradient is not 0: ∇ρ = ρ ∇log π, which at ρ = 1 is ∇log π, so each \
                token is still pushed by its answer's advantage. A loss near 0 is expected; watch reward and KL.
                """,
            equation: """
                ρ = 1  ⇒  L = −(1/G) Σ_i A_i + β·KL = β·KL       (Σ_i A_i = 0 in each group)
                ∇L = −(1/G) Σ_i (A_i/|o_i|) Σ_t ∇ log π(y_t)  ≠ 0
                """,
            source: "TRL issues #2703, #3452 and #3857; Shao et al. 2024 (arXiv 2402.03300)",
            shows: ["grpo step (the loss column)", "grpo show"],
            live: { s in
                guard let run = s.latestRun("grpo", "rloo") else { return nil }
                let loss = run.points("loss")
                guard let last = loss.last else { return nil }
                let largest = loss.map { abs($0.value) }.max() ?? 0
                let kl = run.points("kl_k3").last.map { String(format: "; its k3 KL was %.3f", $0.value) } ?? ""
                return "in \(run.name), the loss was " + String(format: "%+.4f", last.value) + " at step \(Int(last.x)) "
                    + String(format: "(largest |loss| %.4f over %@)", largest, Run.steps(loss)) + kl + "."
            }),
        Topic(
            name: "flat-groups", aliases: ["flat", "equal-rewards"], stage: "RL",
            title: "groups whose answers all score the same teach nothing",
            idea: """
                If every answer to a prompt gets the same reward (all right, or all wrong), every advantage \
                in the group is 0 and the prompt contributes no gradient, only its share of the KL term. \
                Easy or impossible prompts waste their samples; DAPO filters such groups out and samples \
                more (dynamic sampling). grpo step counts them in its flat column.
                """,
            equation: "r_1 = … = r_G  ⇒  A_i = 0 for every i",
            source: "Yu et al. 2025, DAPO §3.2 (arXiv 2503.14476)",
            shows: ["grpo step (flat column)", "grpo show GROUP"],
            live: { s in
                guard let run = s.latestRun("grpo", "rloo") else { return nil }
                let flat = run.points("flat_groups")
                guard !flat.isEmpty else { return nil }
                let total = flat.map(\.value).reduce(0, +)
                return "\(run.name) had \(Int(total)) flat groups over \(Run.steps(flat))."
            }),
        Topic(
            name: "dr-grpo", aliases: ["drgrpo", "length-bias"], stage: "RL",
            title: "Dr. GRPO: no std division, no per-answer length average",
            idea: """
                Liu et al. found two biases in GRPO's loss: dividing by the group's std up-weights prompts \
                whose answers barely differ, and averaging each answer over its own length gives a wrong \
                long answer a smaller penalty per token than a wrong short one, so wrong answers grow long. \
                Dr. GRPO uses r − mean and divides every answer by the same fixed token budget.
                """,
            equation: "A_i = r_i − mean(r)        L = −(1/(G·L_max)) Σ_i Σ_t min(ρ A_i, clip(ρ) A_i)",
            source: "Liu et al. 2025, \"Understanding R1-Zero-Like Training\" §3.1 (arXiv 2503.20783)",
            shows: ["grpo init … dr_grpo=true"]),
        Topic(
            name: "rloo", aliases: ["leave-one-out", "reinforce"], stage: "RL",
            title: "RLOO: the other k − 1 answers as the baseline",
            idea: """
                RLOO samples k answers per prompt and treats each whole answer as one action. Its baseline \
                is the mean reward of the other k − 1 answers, which is unbiased (it does not depend on the \
                answer it judges); the KL enters each answer's reward. Ahmadian et al. found this simpler \
                estimator matches or beats PPO for RLHF.
                """,
            equation: "A_i = R_i − 1/(k−1) Σ_{j≠i} R_j,     R_i = score_i − β Σ_t (log π − log π_ref)",
            source: "Ahmadian et al. 2024, \"Back to Basics\" (arXiv 2402.14740); Kool et al. 2019",
            shows: ["rloo init … k=4", "rloo step", "rloo show"]),
    ]
}
