import Kernels

/// Bytes a command will take, by what holds them: what `new model`, `load model`
/// and the training commands check against the memory the machine has free
/// before they take it.
public struct MemoryEstimate: Sendable, Equatable {
    public var parameters = 0, gradients = 0, moments = 0, activations = 0
    /// Sampling's keys and values of every layer and slot, and its cached pass's scratch.
    public var cache = 0

    public init(parameters: Int = 0, gradients: Int = 0, moments: Int = 0, activations: Int = 0, cache: Int = 0) {
        (self.parameters, self.gradients, self.moments, self.activations, self.cache) = (parameters, gradients, moments, activations, cache)
    }

    public var total: Int { parameters + gradients + moments + activations + cache }

    /// The kinds that hold anything, named as people say them.
    public var parts: [(name: String, bytes: Int)] {
        [("parameters", parameters), ("gradients", gradients), ("AdamW moments", moments), ("activations", activations),
         ("key/value cache", cache)].filter { $0.1 > 0 }
    }

    public static func + (a: MemoryEstimate, b: MemoryEstimate) -> MemoryEstimate {
        MemoryEstimate(parameters: a.parameters + b.parameters, gradients: a.gradients + b.gradients,
                       moments: a.moments + b.moments, activations: a.activations + b.activations, cache: a.cache + b.cache)
    }

    /// A model's parameters as `layout` holds them.
    public static func parameters(_ layout: ParameterLayout) -> MemoryEstimate { MemoryEstimate(parameters: layout.parameterBytes) }

    /// A copy's parameters (`GPT.copy`): base matrices held apart are shared, the rest copied.
    public static func copy(_ layout: ParameterLayout) -> MemoryEstimate { MemoryEstimate(parameters: layout.count * 4) }

    /// What a training step of B rows of T tokens holds besides the parameters: the
    /// gradients and both AdamW moments of what trains (`GPT.gradients`, `AdamW`), and
    /// the activations a pass that a backward follows keeps (`Activations`, with the
    /// LM head in chunks, or none for a scalar head, and blocks past
    /// `GPT.activationBudget` recomputed), with the adapters' own. A model whose
    /// activations were carved for a larger shape reuses them, so this is at most
    /// what a step adds.
    public static func training(_ layout: ParameterLayout, config: GPTConfig, scalarHead: Bool, B: Int, T: Int) -> MemoryEstimate {
        let held = layout.count - layout.trainableStart
        return MemoryEstimate(gradients: held * 4, moments: held * 8,
                              activations: pass(layout, config: config, scalarHead: scalarHead, B: B, T: T, backward: true))
    }

    /// What a pass for its outputs alone holds (a reference's log-probabilities, a reward model's scores).
    public static func forward(_ layout: ParameterLayout, config: GPTConfig, scalarHead: Bool, B: Int, T: Int) -> MemoryEstimate {
        MemoryEstimate(activations: pass(layout, config: config, scalarHead: scalarHead, B: B, T: T, backward: false))
    }

    /// What sampling `slots` answers at once of up to `capacity` tokens holds
    /// (`ContinuousBatch`): the key/value cache, and the cached pass's rows: the first
    /// token step reads every slot's prompt at once (`promptRows` rows), later ones a
    /// row per slot.
    public static func sampling(config: GPTConfig, slots: Int, capacity: Int, promptRows: Int) -> MemoryEstimate {
        MemoryEstimate(cache: (KVCache.floats(config, slots: slots, capacity: capacity)
            + CachedRows.floats(config, rows: max(slots, promptRows), logitRows: slots)) * 4)
    }

    /// Bytes of a pass's activations (`Activations.byteCount`) and its adapters' scratch (`GPT+LoRA`).
    static func pass(_ layout: ParameterLayout, config: GPTConfig, scalarHead: Bool, B: Int, T: Int, backward: Bool) -> Int {
        let N = B * T
        let memory = backward ? GPT.memoryForBackward(config, B: B, T: T) : .none
        let floats = Activations.floatCount(config: config, B: B, T: T, memory: memory, head: scalarHead ? .skipped : .chunked,
                                            headChunk: GPT.headChunk(config))
        var adapters = 0
        if let lora = layout.lora, let perLayer = layout.adapters.first?.count, perLayer > 0 {
            adapters = N * lora.rank  // one adapter's x Aᵀ in scratch
            if backward {
                adapters += config.layers * perLayer * N * lora.rank  // every adapter's x Aᵀ kept
                if lora.dropout > 0 { adapters += 2 * N * (layout.adapters.flatMap { $0 }.map(\.inputs).max() ?? 0) }
            }
        }
        return (floats + adapters) * 4 + N * 8
    }
}

extension GPT {
    /// `MemoryEstimate.training` for this model.
    public func trainingMemory(B: Int, T: Int) -> MemoryEstimate {
        .training(layout, config: config, scalarHead: hasScalarHead, B: B, T: T)
    }

    /// What a training step of (B, T) adds to what this model holds now: the gradients
    /// unless it has them, the moments unless it has some (a fresh run makes new ones
    /// in their place), the activations beyond the buffer it keeps.
    public func trainingMemoryAdded(B: Int, T: Int) -> MemoryEstimate {
        var added = trainingMemory(B: B, T: T)
        if gradientStorage != nil { added.gradients = 0 }
        if optimizerState != nil { added.moments = 0 }
        let held = (activations?.byteCount ?? 0) + [adapterActivations, adapterScratch, dropoutScratch].map { $0?.held ?? 0 }.reduce(0, +) * 4
        added.activations = max(0, added.activations - held)
        return added
    }

    /// What training this model as `layout` takes: a step's, and the parameters of the
    /// model it becomes when that is not itself: with adapters added, their small buffer
    /// (the base matrices are shared); widened to binary32, every parameter anew.
    public func trainingMemory(as layout: ParameterLayout, B: Int, T: Int) -> MemoryEstimate {
        let step = MemoryEstimate.training(layout, config: config, scalarHead: hasScalarHead, B: B, T: T)
        if layout.lora == lora && layout.precision == precision { return step }
        return (layout.precision != precision ? .parameters(layout) : .copy(layout)) + step
    }

    /// `MemoryEstimate.forward` for this model.
    public func forwardMemory(B: Int, T: Int) -> MemoryEstimate {
        .forward(layout, config: config, scalarHead: hasScalarHead, B: B, T: T)
    }
}
