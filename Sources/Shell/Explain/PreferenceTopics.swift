import Foundation

extension Topic {
    static let preferenceTopics: [Topic] = [
        Topic(
            name: "dpo", aliases: ["direct-preference", "implicit-reward"], stage: "preference optimisation",
            title: "DPO: the preference loss on the policy itself",
            idea: """
                The KL-regularised RL objective has a closed-form optimum, π* ∝ π_ref·exp(r/β), so a reward is \
                implied by any policy: r(x, y) = β log π(y|x)/π_ref(y|x) plus a term of the prompt alone. \
                Putting that implicit reward into the Bradley–Terry loss of a reward model gives a loss on the \
                policy directly: raise the chosen answer's log-ratio above the rejected one's. No sampling and \
                no reward model during training; β plays the KL penalty's part.
                """,
            equation: """
                L = −log σ(β [log π(y_w)/π_ref(y_w) − log π(y_l)/π_ref(y_l)])
                implicit reward r(y) = β (log π(y) − log π_ref(y))
                """,
            source: "Rafailov et al. 2023, \"Direct Preference Optimization\" (arXiv 2305.18290)",
            shows: ["dpo init … data=PAIRS", "dpo step", "dpo show PAIR"],
            live: { s in
                guard let run = s.latestRun("dpo"), let margin = run.points("margin").last else { return nil }
                let accuracy = run.points("accuracy").last.map { String(format: ", %.0f%% of the batch's pairs ordered rightly", 100 * $0.value) } ?? ""
                return "in \(run.name) at step \(Int(margin.x)), the implicit reward margin was \(quoted(margin.value))\(accuracy)."
            }),
        Topic(
            name: "dpo-rewards-fall", aliases: ["likelihood-displacement", "both-rewards-fall", "chosen-reward-falls"],
            stage: "preference optimisation",
            title: "why DPO's chosen and rejected rewards can both fall",
            idea: """
                DPO's loss only asks the margin between the two implicit rewards to grow. It is as happy to \
                push the rejected answer down fast and the chosen one down slowly as to raise the chosen one: \
                both log-probabilities fall, and the probability goes to answers in neither set, often \
                similar to the rejected ones (likelihood displacement). It is allowed by the loss and common \
                in practice; watch held-out accuracy, KL and gold. RPO adds the chosen answer's negative \
                log-likelihood to hold it up (rpo=); dpo step warns when both rewards stay below 0.
                """,
            equation: "∂L/∂θ ∝ −β σ(−margin) [∇ log π(y_w) − ∇ log π(y_l)]   (only the difference is constrained)",
            source: "Razin et al. 2024, \"Unintentional Unalignment: Likelihood Displacement\" (arXiv 2410.08847); "
                + "Pang et al. 2024, RPO (arXiv 2404.19733); TRL issue #3857; rlhf-book #489",
            shows: ["dpo step (r_chosen and r_rejected columns)", "dpo show PAIR", "dpo init … rpo=1"],
            live: { s in
                guard let run = s.latestRun("dpo"), let c = run.points("chosen_reward").last,
                      let r = run.points("rejected_reward").last else { return nil }
                let both = c.value < 0 && r.value < 0
                return "in \(run.name) at step \(Int(c.x)), the chosen reward was \(quoted(c.value)) and the rejected \(quoted(r.value))"
                    + (both ? ": both below 0, the margin grown by pushing the rejected answer down faster." : ".")
            }),
        Topic(
            name: "ipo", aliases: ["identity-preference"], stage: "preference optimisation",
            title: "IPO: a squared loss toward a fixed margin",
            idea: """
                Where preferences are deterministic (one answer always wins), DPO's sigmoid loss keeps \
                falling as the margin grows without bound, so β's leash stops holding and the policy can \
                overfit. IPO regresses the log-ratio margin to a fixed target 1/(2β) instead: past it, the \
                loss pushes back. Choose it when pairs are clear-cut or data is small; expect more ties. \
                TRL averages IPO's log-probabilities per token, as here (average=true).
                """,
            equation: "L = (h − 1/(2β))²,    h = log π(y_w)/π_ref(y_w) − log π(y_l)/π_ref(y_l)",
            source: "Azar et al. 2023, \"A General Theoretical Paradigm to Understand Learning from Human Preferences\" (arXiv 2310.12036)",
            shows: ["dpo init … loss=ipo beta=0.5"]),
        Topic(
            name: "simpo", stage: "preference optimisation",
            title: "SimPO: the mean log-probability as the reward",
            idea: """
                SimPO drops the reference model: its implicit reward is the answer's mean log-probability per \
                token, scaled by β, and the loss asks the chosen answer to beat the rejected one by a target \
                margin γ. The length average removes DPO's pull toward longer answers.
                """,
            equation: "L = −log σ(β/|y_w| · log π(y_w) − β/|y_l| · log π(y_l) − γ)",
            source: "Meng, Xia and Chen 2024, \"SimPO\" (arXiv 2405.14734)",
            shows: ["dpo init … loss=simpo"]),
        Topic(
            name: "orpo", aliases: ["odds-ratio"], stage: "preference optimisation",
            title: "ORPO: SFT plus an odds-ratio penalty, in one stage",
            idea: """
                ORPO finetunes on the chosen answer with the ordinary NLL and adds λ times a loss on the log \
                odds ratio of the chosen and rejected answers, odds = P/(1 − P) of the per-token mean \
                likelihood. It needs no reference model and no separate SFT stage.
                """,
            equation: "L = L_SFT(y_w) − λ log σ(log odds(y_w) − log odds(y_l)),    odds(y) = P(y)/(1 − P(y))",
            source: "Hong, Lee and Thorne 2024, \"ORPO\" (arXiv 2403.07691)",
            shows: ["dpo init … loss=orpo"]),
        Topic(
            name: "kto", aliases: ["unpaired", "prospect-theory"], stage: "preference optimisation",
            title: "KTO: single answers marked good or bad, no pairs",
            idea: """
                KTO learns from answers labelled desirable or undesirable one at a time, which are cheaper to \
                collect than pairs. Each answer's implicit reward is compared with a reference point z₀, the \
                batch's KL estimated on mismatched prompts and answers; desirable answers are pushed above \
                it, undesirable ones below, weighted by λ_D and λ_U.
                """,
            equation: """
                r = log π(y|x) − log π_ref(y|x)
                desirable:   λ_D (1 − σ(β (r − z₀)))      undesirable:   λ_U (1 − σ(β (z₀ − r)))
                """,
            source: "Ethayarajh et al. 2024, \"KTO: Model Alignment as Prospect Theoretic Optimization\" (arXiv 2402.01306)",
            shows: ["dpo init … loss=kto", "load data NAME FILE (prompt, completion, label)"]),
    ]

    static let feedbackTopics: [Topic] = [
        Topic(
            name: "rlaif", aliases: ["ai-feedback", "ai-labeler", "position-bias", "d-rlaif"], stage: "AI feedback and relabeling",
            title: "RLAIF: a model labels the pairs, asked in both orders",
            idea: """
                An AI labeler reads both answers and says which is better; its preference is the probability \
                of answering "A" against "B". Models favour a position whatever it holds, so each pair is \
                asked in both orders and the two are averaged, which cancels a bias of position alone. \
                d-RLAIF skips the reward model and asks the labeler for a score during RL itself.
                """,
            equation: "p(a ≻ b) = ½ [P(A | a first) + P(B | b first)]",
            source: "Lee et al. 2023, \"RLAIF vs. RLHF\" §2.1 (arXiv 2309.00267)",
            shows: ["label SAMPLES as pairs by=MODEL", "reward NAME labeler by=MODEL"],
            live: { s in
                guard let decided = s.values["label.position_decided"] else { return nil }
                return String(format: "in the last AI labelling, the same position won both orders on %.1f%% of pairs (label.position_decided).", 100 * decided)
            }),
        Topic(
            name: "constitutional-ai", aliases: ["cai", "constitution", "critique-revision"], stage: "AI feedback and relabeling",
            title: "Constitutional AI: critique and revise by principles",
            idea: """
                The model answers red-team prompts, critiques its own answer by a principle drawn from a \
                constitution, and revises it; SFT on the revisions gives a harmless model without human \
                labels of harm. A second phase has an AI labeler compare answers by the principles, and RL \
                on those preferences follows.
                """,
            source: "Bai et al. 2022, \"Constitutional AI: Harmlessness from AI Feedback\" (arXiv 2212.08073)",
            shows: ["cai revise MODEL on PROMPTS", "label SAMPLES as pairs by=MODEL constitution=FILE"]),
        Topic(
            name: "hindsight", aliases: ["hir", "relabeling", "hindsight-relabeling"], stage: "AI feedback and relabeling",
            title: "every answer satisfies some instruction",
            idea: """
                An answer that fails its instruction still satisfies another one: \"Give a wrong answer: …\". \
                HIR relabels failed samples with the instruction they do satisfy and finetunes on all of \
                them, adding a contrastive term so the model tells instructions apart; no reward model and no \
                RL, only a verifier.
                """,
            source: "Zhang et al. 2023, \"The Wisdom of Hindsight Makes Language Models Better Instruction Followers\" (arXiv 2302.05206)",
            shows: ["hir relabel NAME from PROMPTS model=MODEL", "hir train MODEL on NAME"]),
    ]

    static let evaluationTopics: [Topic] = [
        Topic(
            name: "gold", aliases: ["gold-labeler", "judge", "world"], stage: "evaluation",
            title: "the world's gold labeler, the truth behind every proxy",
            idea: """
                The bundled world generates its prompts from known facts, so a gold labeler can check an \
                answer's fact, the way it is said (a sentence about the wrong person or sum, or a garbled \
                one, halves the credit) and its safety. It plays the humans' true preferences, which real projects \
                never see: here you can watch a reward model's proxy drift from it. Gold scores helpfulness \
                and safety; win rates and overoptimisation curves read it.
                """,
            source: "Gao et al. 2022 use a gold reward model the same way (arXiv 2210.10760); DESIGN.md §2 of this tool",
            shows: ["gold \"PROMPT\" \"ANSWER\"", "eval MODEL", "eval MODEL against REF"]),
        Topic(
            name: "win-rate", aliases: ["eval", "wilson", "interval"], stage: "evaluation",
            title: "win rate against a reference, with its interval",
            idea: """
                eval answers every held-out prompt with both models and lets gold decide; a tie counts half. \
                The rate comes with a 95% interval: two policies differ only where their intervals do not \
                overlap, or by a paired test on the same prompts. A number without its interval and its \
                count says little. Any method wins more by moving further from the reference, so read win \
                rate beside KL: a method swept over its β traces a frontier, the most it wins at each KL \
                (Rafailov et al. 2023, Fig. 2), and two frontiers compare methods fairly.
                """,
            equation: "win rate = (wins + ½ ties) / prompts,   95% interval of that per-prompt mean (normal)",
            source: "Ouyang et al. 2022 §4.1 report win rates against a baseline (arXiv 2203.02155); Rafailov et al. 2023, DPO, Fig. 2 (arXiv 2305.18290)",
            shows: ["eval MODEL against REF", "results", "results add LABEL series=NAME", "scripts/frontier.rlhf"],
            live: { s in
                guard let rate = s.values["eval.win_rate"], let low = s.values["eval.win_rate.low"], let high = s.values["eval.win_rate.high"] else { return nil }
                return String(format: "the last eval: win rate %.1f%% [%.1f, %.1f].", 100 * rate, 100 * low, 100 * high)
            }),
        Topic(
            name: "pass-at-k", aliases: ["pass@k", "passk", "maj-at-k", "maj@k", "majority-vote"], stage: "evaluation",
            title: "pass@k and maj@k: what k samples can reach",
            idea: """
                On a task with one checkable answer, pass@k is the chance that at least one of k samples is \
                right, and maj@k the chance that the most common answer of k is. Estimating pass@k as the \
                share of k-sample draws with a hit is biased; from n ≥ k samples of which c are right, Chen \
                et al.'s estimator is unbiased. RL with a verifier raises pass@1 and maj@k; whether it also \
                raises pass@k at large k, or only sharpens what the model could already say, is the question \
                DeepSeekMath and Yue et al. 2025 ask (scripts/passk.rlhf asks it here).
                """,
            equation: "pass@k = E[1 − C(n − c, k) / C(n, k)] over prompts",
            source: "Chen et al. 2021, Codex (arXiv 2107.03374); Shao et al. 2024, DeepSeekMath §5.2.2 (arXiv 2402.03300); Yue et al. 2025 (arXiv 2504.13837)",
            shows: ["eval MODEL pass_at=1,4,16,64", "eval MODEL against OTHER pass_at=1,4,16,64", "scripts/passk.rlhf"],
            live: { s in
                guard let p1 = s.values["eval.pass_at.1"] else { return nil }
                return String(format: "the last eval with pass_at=1 measured pass@1 = %.1f%%.", 100 * p1)
            }),
    ]
}
