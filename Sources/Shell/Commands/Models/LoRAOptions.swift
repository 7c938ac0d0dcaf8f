import Foundation
import LanguageModel

extension Commands {
    /// The options that make a training command train low-rank adapters (the base frozen).
    static let loraOptions: [Parameter] = [
        .option("lora", .integer(1...4096), "train low-rank adapters of this rank instead of every weight (the base frozen)"),
        .option("lora_alpha", .float(0.0001...100_000), "the adapters' α: they are scaled by α/rank (default: 2·rank)"),
        .option("lora_targets", .string, "PEFT module names, comma-separated (default: every linear layer of the blocks)"),
        .option("lora_dropout", .float(0...0.99), "share of each adapter's inputs dropped in training passes (default 0)"),
    ]

    /// `model` with adapters when the invocation asks for them (lora=RANK): fresh ones,
    /// or the model's own when it has adapters of that rank already; otherwise the model,
    /// widened to f32 when it is held in bf16 and has no adapters (every weight trains then).
    static func adapted(_ model: GPT, _ name: String, _ invocation: Invocation, _ s: Session) throws -> GPT {
        guard let settings = try adapterSettings(model, name, invocation), model.lora == nil else {
            return model.lora == nil ? model.converted(to: .float32) : model
        }
        var rng = s.random(invocation)
        return model.withLoRA(settings, seed: rng.next())
    }

    /// The layout `adapted` gives `model`, without making it: for a memory estimate first.
    static func adaptedLayout(_ model: GPT, _ name: String, _ invocation: Invocation) throws -> ParameterLayout {
        guard let settings = try adapterSettings(model, name, invocation), model.lora == nil else {
            return model.lora == nil ? ParameterLayout(config: model.config, scalarHead: model.hasScalarHead) : model.layout
        }
        return ParameterLayout(config: model.config, scalarHead: model.hasScalarHead, lora: settings, precision: model.precision)
    }

    /// The adapters lora=RANK asks for, checked against the model's shape and its own
    /// adapters; nil when the invocation asks for none.
    private static func adapterSettings(_ model: GPT, _ name: String, _ invocation: Invocation) throws -> LoRASettings? {
        guard let rank = invocation.optional("lora").flatMap({ Int($0) }) else {
            for option in ["lora_alpha", "lora_targets", "lora_dropout"] where invocation.given.contains(option) {
                throw invocation.error("\(option) needs lora=RANK", at: option)
            }
            return nil
        }
        let targets = invocation.optional("lora_targets").map {
            $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        } ?? LoRASettings.modules(model.config.family)
        let settings = LoRASettings(rank: rank, alpha: invocation.optional("lora_alpha").flatMap(Double.init), targets: targets,
                                    dropout: invocation.optional("lora_dropout").flatMap(Double.init) ?? 0)
        if let problem = settings.problem(for: model.config) {
            throw invocation.error(problem, at: invocation.given.contains("lora_targets") ? "lora_targets" : "lora")
        }
        if let existing = model.lora {
            guard existing.rank == settings.rank, Set(existing.targets) == Set(settings.targets),
                  !invocation.given.contains("lora_alpha") || existing.alpha == settings.alpha,
                  !invocation.given.contains("lora_dropout") || existing.dropout == settings.dropout else {
                throw invocation.error("\(name) has adapters of rank \(existing.rank) on \(existing.targets.joined(separator: ",")) "
                                       + "already; train them without lora=, or fold them in with merge adapter \(name)", at: "lora")
            }
        }
        return settings
    }

    /// How a model's adapters read: "LoRA rank 8 (α 16) on q_proj,v_proj: 12.3k of 1.2M parameters train".
    static func describeAdapters(_ model: GPT) -> String? {
        guard let lora = model.lora else { return nil }
        return "LoRA rank \(lora.rank) (α \(format(lora.alpha))\(lora.dropout > 0 ? ", dropout \(format(lora.dropout))" : "")) on \(lora.targets.joined(separator: ",")): "
            + "\(formatCount(model.trainableCount)) of \(formatCount(model.parameterCount)) parameters train"
    }
}
