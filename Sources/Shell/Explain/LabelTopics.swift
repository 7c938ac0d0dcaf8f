extension Topic {
    static let labelTopics: [Topic] = [
        Topic(
            name: "rankings", aliases: ["ranking", "comparisons", "k-choose-2"], stage: "labels",
            title: "a ranking of K answers is C(K,2) comparisons",
            idea: """
                InstructGPT's labelers ranked K = 4 to 9 answers to one prompt. A ranking A < C < D < B (B \
                best) holds six comparisons: B over D, B over C, B over A, D over C, D over A, C over A. K \
                answers give K(K−1)/2 of them: 6 for K = 4, 36 for K = 9. Ranking is cheaper per comparison \
                than asking for pairs one by one, and every pair of one ranking shares its prompt. That is \
                also why the reward model takes a whole ranking as one batch element: each answer is in K − 1 \
                of its pairs, so the pairs are strongly correlated, and InstructGPT found that shuffling them \
                in as separate examples overfit the reward model within one epoch; as one element (each pair \
                weighted 1/C(K,2)) it no longer overfits and needs one forward pass per answer, not per pair.
                """,
            equation: "C(K,2) = K(K − 1)/2        K = 4 → 6,  K = 9 → 36",
            source: "Ouyang et al. 2022, InstructGPT §3.5 (arXiv 2203.02155)",
            shows: ["label SAMPLES as rankings", "show comparisons DATA", "train rm NAME on DATA loss=ranking"]),
        Topic(
            name: "ratings", aliases: ["margins", "margin", "llama2-ratings"], stage: "labels",
            title: "Llama 2's rated pairs and the margins in the loss",
            idea: """
                Llama 2's annotators compared two answers and said how much better the chosen one was: \
                significantly better, better, slightly better, or negligibly better / unsure. The reward \
                model's loss then asks for a margin m(r) that grows with the rating, so clear preferences \
                separate the scores more than unsure ones; Llama 2 found it helps most on the clearly \
                separable pairs.
                """,
            equation: """
                L = −log σ(r(x, y_c) − r(x, y_r) − m(rating))
                m small: 1, 2/3, 1/3, 0      m large: 3, 2, 1, 0   (significantly better … negligibly)
                """,
            source: "Touvron et al. 2023, Llama 2 §3.2.2 and Table 27 (arXiv 2307.09288)",
            shows: ["label SAMPLES as pairs", "train rm NAME from MODEL on DATA loss=margin"]),
        Topic(
            name: "annotators", aliases: ["labelers", "agreement"], stage: "labels",
            title: "simulated annotators, and how often two of them agree",
            idea: """
                The world's annotators judge by the gold labeler's scores with noise and habits of their own \
                (one prefers long answers, one is careless). Two annotators agree on about 65–75% of close \
                pairs, as real ones do: the ceiling a reward model trained on their labels can reach \
                against any one of them.
                """,
            source: "Ouyang et al. 2022 §5.2 (inter-annotator agreement 72.6%); DESIGN.md §2 of this tool",
            shows: ["label SAMPLES as pairs by=careful", "label … (prints the second annotator's agreement)"],
            live: { s in
                guard let share = s.values["label.agreement"] else { return nil }
                return "in the last label, a second annotator agreed on \(String(format: "%.1f", 100 * share))% of the pairs (label.agreement)."
            }),
    ]

    static let rewardTopics: [Topic] = [
        Topic(
            name: "reward-model", aliases: ["rm", "ranking-loss", "bradley-terry"], stage: "reward models",
            title: "a model that scores answers as the labelers would",
            idea: """
                A reward model is the SFT model with its next-token head replaced by one scalar, read at the \
                answer's last token. It learns from comparisons by the Bradley–Terry model: the chosen \
                answer should score higher. InstructGPT puts all C(K,2) comparisons of one ranking in one \
                batch element: each answer appears in K − 1 of them, and training on them as separate \
                examples, shuffled, made the model overfit in one epoch; grouped, each answer is read once.
                """,
            equation: "L = −1/C(K,2) · Σ_{(y_w, y_l)} log σ(r(x, y_w) − r(x, y_l))",
            source: "Ouyang et al. 2022, InstructGPT §3.5, eq. 1 (arXiv 2203.02155)",
            shows: ["train rm NAME from MODEL on DATA", "eval rm NAME on DATA", "score MODEL \"PROMPT\" \"ANSWER\""],
            live: { s in
                guard let accuracy = s.values["rm_eval.accuracy"] else { return nil }
                let gold = s.values["rm_eval.gold_accuracy"].map { String(format: ", and with gold on %.1f%% of those gold separates", 100 * $0) } ?? ""
                return "in the last eval rm, the reward model agreed with the labels on \(String(format: "%.1f", 100 * accuracy))% of pairs\(gold) "
                    + "(rm_eval.accuracy)."
            }),
        Topic(
            name: "llama2-reward", aliases: ["combined-reward", "safety-reward", "llama2"], stage: "rewards and best-of-n",
            title: "Llama 2's two reward models and how it combines them",
            idea: """
                Llama 2 trained a helpfulness and a safety reward model and used the safety score where the \
                prompt was likely unsafe or the answer looked unsafe, and the helpfulness score elsewhere; \
                the chosen score (a logit) is then whitened over the batch to steady PPO. Here the models \
                output logits r with R = σ(r), so logit(R) is r itself.
                """,
            equation: """
                R_c = R_s   if the prompt is tagged unsafe or σ(r_s) < 0.15
                R_c = R_h   otherwise
                R̃ = whiten(logit(R_c))      over the batch
                """,
            source: "Touvron et al. 2023, Llama 2 §3.2.2, eq. 2–4 (arXiv 2307.09288)",
            shows: ["reward NAME llama2 helpfulness=RM safety=RM", "score NAME \"PROMPT\" \"ANSWER\""]),
        Topic(
            name: "overoptimisation", aliases: ["overoptimization", "reward-hacking", "goodhart"], stage: "rewards and best-of-n",
            title: "proxy reward up, gold reward down",
            idea: """
                A reward model is a proxy for the labelers. Optimised hard enough, a policy finds answers the \
                proxy overrates: proxy reward keeps rising while the gold reward (the world's true judge) \
                peaks and falls. Gao et al. fit gold against d = √KL from the starting policy: for best-of-n \
                it rises and falls as a parabola in d, for RL as d times a falling log term. The KL penalty, \
                a larger reward model, and early stopping all hold it off.
                """,
            equation: """
                best-of-n:  gold(d) = d (α − β d)
                RL:         gold(d) = d (α − β log d)        d = √KL(π ‖ π_ref)
                """,
            source: "Gao, Schulman and Hilton 2022, \"Scaling Laws for Reward Model Overoptimization\" (arXiv 2210.10760)",
            shows: ["bestofn MODEL on PROMPTS", "fit heldout_gold of RUN law=rl", "scripts/overoptimisation.rlhf"]),
        Topic(
            name: "best-of-n", aliases: ["bon", "bestofn"], stage: "rewards and best-of-n",
            title: "sample n answers, keep the one the reward likes best",
            idea: """
                Best-of-n needs no training: it samples n answers and returns the highest-scoring one. Its \
                distance from the policy it samples has a simple bound, so it is the cleanest way to trace \
                reward against KL; it costs n samples per answer at inference. The usual formula is exact \
                only when the n samples are all different; where they repeat (a confident model, a short \
                answer) the true KL is lower (Beirami et al. 2024). control=random keeps one of the same n \
                samples at random beside the pick: what gold gains over it is the selection's own work.
                """,
            equation: "KL(π_bon ‖ π) ≤ log n − (n − 1)/n        (equal when no two samples are the same)",
            source: "Stiennon et al. 2020 (arXiv 2009.01325), Appendix G.3; Gao et al. 2022 (arXiv 2210.10760); Beirami et al. 2024 (arXiv 2401.01879)",
            shows: ["bestofn MODEL on PROMPTS reward=NAME", "bestofn … control=random", "plot gold of RUN"]),
        Topic(
            name: "rejection-sampling", aliases: ["rs", "rs-round"], stage: "rewards and best-of-n",
            title: "Llama 2's rejection sampling: finetune on the best of K",
            idea: """
                Each round samples K answers per prompt from the current policy, keeps the best by reward \
                (an earlier round's best stays if it still scores higher), and finetunes on the kept answers \
                with the SFT loss. It is best-of-n distilled into the weights, which PPO then refines; Llama \
                2 ran five rounds before PPO. Its matched control, pick=random, keeps a random one of the same \
                samples on the same prompts with the same finetuning: what the best round gains beyond it is \
                the selection's doing (lesson 6 measures it).
                """,
            source: "Touvron et al. 2023, Llama 2 §3.2.3 (arXiv 2307.09288)",
            shows: ["rs round MODEL on PROMPTS reward=NAME k=8", "rs round CONTROL on PROMPTS reward=NAME k=8 pick=random"],
            live: { s in
                guard let reward = s.values["rs.reward"], let gold = s.values["rs.gold"] else { return nil }
                return "the last round's picks scored \(quoted(reward)) by the reward and \(quoted(gold, 2)) by gold."
            }),
        Topic(
            name: "rest", aliases: ["reinforced-self-training"], stage: "rewards and best-of-n",
            title: "ReST: grow a dataset once, improve on it step by step",
            idea: """
                ReST separates sampling from learning: a Grow step samples a dataset from the policy and \
                scores it; each Improve step keeps the samples above a threshold and finetunes on them, the \
                threshold rising from one Improve step to the next, so later steps learn from fewer, better \
                samples. Here the default thresholds are the median, the upper quarter and the upper eighth \
                of the grown rewards.
                """,
            equation: "θ ← argmin_θ E_{(x,y) ∈ D_g, R(x,y) ≥ τ_i} [−log π_θ(y | x)],    τ_1 < τ_2 < …",
            source: "Gulcehre et al. 2023, \"Reinforced Self-Training (ReST) for Language Modeling\" (arXiv 2308.08998)",
            shows: ["rest grow MODEL on PROMPTS reward=NAME", "rest improve MODEL"]),
    ]
}
