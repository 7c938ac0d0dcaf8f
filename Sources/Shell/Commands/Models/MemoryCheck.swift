import Alignment
import Kernels
import LanguageModel

extension Commands {
    /// "1.3 GB (gradients 0.2 GB, AdamW moments 0.4 GB, activations 0.7 GB)".
    static func describeMemory(_ estimate: MemoryEstimate) -> String {
        let parts = estimate.parts
        let detail = parts.count > 1 ? " (" + parts.map { "\($0.name) \(Machine.byteSize($0.bytes))" }.joined(separator: ", ") + ")" : ""
        return Machine.byteSize(estimate.total) + detail
    }

    /// Refuses a command before it takes any memory when `estimate(batch)`, what it
    /// will take at that batch (`MemoryEstimate`), is more than the machine has free
    /// (`Machine.memoryAvailable`): the error gives the estimate by part and the
    /// largest batch that fits, or when none does, what else would.
    /// `what` says what the batch is: "a step of 16 examples of 96 tokens".
    static func checkMemory(_ what: String, batch: Int, option: String = "batch", adapters: Bool, _ invocation: Invocation,
                            _ estimate: (Int) -> MemoryEstimate) throws {
        guard let available = Machine.memoryAvailable() else { return }
        let needed = estimate(batch)
        guard needed.total > available else { return }
        // The largest batch below `batch` that fits: the estimate grows with the batch.
        var (low, high) = (0, batch - 1)
        while low < high {
            let middle = (low + high + 1) / 2
            if estimate(middle).total <= available { low = middle } else { high = middle - 1 }
        }
        let advice = low > 0 ? "\(option)=\(low) would fit"
            : "even \(option)=1 would take \(Machine.byteSize(estimate(1).total)): "
                + (adapters ? "train low-rank adapters (lora=16) or a smaller model" : "take a smaller model")
        throw invocation.error("\(what) would take another \(describeMemory(needed)), more than \(Machine.room(available)); \(advice)", at: option)
    }
}

extension Commands {
    /// `checkMemory` for a training command that steps session model `name` on
    /// `settings.batchSize` units of `rows` rows each (a reward model's group: its
    /// responses) of at most `settings.sequenceLength` tokens, before `adapted` gives it
    /// adapters or widens it: what the step adds to what the model holds, or with a model
    /// `adapted` makes anew, that model's own parameters and the step's.
    static func checkTraining(_ model: GPT, _ name: String, _ settings: TrainingSettings, unit: String, rows: Int = 1,
                              _ invocation: Invocation) throws {
        let T = min(settings.sequenceLength, model.config.contextLength)
        let layout = try adaptedLayout(model, name, invocation)
        let itself = layout.lora == model.lora && layout.precision == model.precision  // `adapted` keeps the model
        try checkMemory("a step of \(plural(settings.batchSize, unit)) of \(T) tokens", batch: settings.batchSize,
                        adapters: layout.lora == nil, invocation) { b in
            itself ? model.trainingMemoryAdded(B: b * rows, T: T) : model.trainingMemory(as: layout, B: b * rows, T: T)
        }
    }
}
