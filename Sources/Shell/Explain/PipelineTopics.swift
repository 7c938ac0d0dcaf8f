import Foundation

extension Topic {
    static let pipelineTopics: [Topic] = [
        Topic(
            name: "pipeline", aliases: ["rlhf", "overview"], stage: "session",
            title: "the stages from raw text to an aligned model",
            idea: """
                A language model is first pretrained to predict the next token of plain text; supervised \
                finetuning (SFT) then teaches it to answer in a chat format from demonstrations. Humans \
                compare its answers (rankings, or rated pairs), a reward model learns to score answers as \
                they would, and the policy is optimised against that reward: by keeping the best of several \
                samples (best-of-n, rejection sampling), by reinforcement learning with a KL leash to the SFT \
                model (PPO, GRPO, RLOO), or directly on the comparisons without a reward model (DPO and its \
                kin). Every stage here runs on a small synthetic world whose gold labeler knows the right \
                answers, so you can see when the reward model and the policy go wrong.
                """,
            source: "Ouyang et al. 2022, InstructGPT (arXiv 2203.02155); Touvron et al. 2023, Llama 2 (arXiv 2307.09288)",
            shows: ["help", "scripts/tour.rlhf"]),
        Topic(
            name: "pretraining", aliases: ["pretrain", "next-token"], stage: "pretraining and finetuning",
            title: "next-token prediction on plain text",
            idea: """
                Pretraining minimises the cross-entropy of each next token given the ones before it, over \
                windows of text. A model that knows nothing assigns every one of the V tokens probability \
                1/V, a loss of ln V; a loss below that is what the model has learned.
                """,
            equation: "L = −(1/N) Σ_t log p_θ(x_t | x_<t)      (uniform: L = ln V)",
            source: "Radford et al. 2019, GPT-2 (\"Language Models are Unsupervised Multitask Learners\")",
            shows: ["pretrain MODEL on DATA", "plot loss of MODEL"],
            live: { s in
                guard let run = s.latestRun("pretrain"), let last = run.points("loss").last,
                      let vocab = s.models[run.name]?.model.config.vocabularySize else { return nil }
                return "\(run.name)'s pretraining loss at step \(Int(last.x)) is \(String(format: "%.3f", last.value)), against ln V = "
                    + String(format: "%.3f", log(Double(vocab))) + " for a model that knows nothing (V = \(vocab))."
            }),
        Topic(
            name: "sft", aliases: ["supervised-finetuning", "finetuning"], stage: "pretraining and finetuning",
            title: "supervised finetuning: loss on the answer's tokens only",
            idea: """
                SFT trains on demonstrations written in the chat format (a prompt, then the answer). The \
                prompt's tokens are context, not targets: only the answer's tokens, and the end-of-turn \
                token that ends it, count in the loss, so the model learns to answer rather than to ask.
                """,
            equation: "L = −(1/|y|) Σ_{t ∈ answer} log p_θ(y_t | x, y_<t)",
            source: "Ouyang et al. 2022, InstructGPT §3.5 (arXiv 2203.02155)",
            shows: ["sft MODEL on DATA", "tokenize"],
            live: { s in
                guard let run = s.latestRun("sft"), let last = run.points("loss").last else { return nil }
                let heldOut = run.points("heldout").last.map { String(format: ", held-out %.3f", $0.value) } ?? ""
                return "\(run.name)'s SFT loss at step \(Int(last.x)) is \(String(format: "%.3f", last.value))\(heldOut)."
            }),
        Topic(
            name: "truncation", aliases: ["cut", "max-tokens", "missing-eos"], stage: "generation",
            title: "answers cut at max_tokens stay cut",
            idea: """
                Sampling stops at max_tokens whether or not the answer ended. A cut answer never produced its \
                end-of-turn token, so it is read without one: appending it would teach a reward model or DPO \
                that the answer was finished. show marks cut answers [cut]; train rm keeps pairs with a cut \
                side, dpo init drops them (truncated=, by what measured better on gold); RL may subtract a \
                missing_eos_penalty from a cut answer's reward (TRL's name).
                """,
            source: "TRL's missing_eos_penalty; this tool's issue 30 (measurements in its note)",
            shows: ["sample … max_tokens=N", "show SAMPLES", "train rm … truncated=keep|drop"],
            live: { s in
                s.values["sample.truncated"].map { "the last sample cut \(Int($0)) responses at max_tokens (sample.truncated)." }
            }),
    ]
}
