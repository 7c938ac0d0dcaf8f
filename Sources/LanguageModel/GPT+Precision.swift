import Kernels

/// Moving tensors between layouts: a model held in another precision, with or
/// without adapters or a scalar head. Tensors are matched by name and
/// converted as they are copied (widening bfloat16 is exact; narrowing rounds
/// to nearest even).
extension GPT {
    /// This model with its base matrices held in `precision`: bfloat16 halves
    /// their memory (and rounds them, once); binary32 makes them trainable.
    /// Returns `self` when it is held so already.
    public func converted(to precision: Precision) -> GPT {
        if precision == self.precision { return self }
        let target = ParameterLayout(config: config, scalarHead: hasScalarHead, lora: lora, precision: precision)
        let (p, h) = tensors(for: target)
        let made = GPT(config: config, scalarHead: hasScalarHead, parameters: p, bfloat16: h, lora: lora)
        made.baseChanged = baseChanged || precision == .bfloat16
        made.tokenIDs = tokenIDs
        return made
    }

    /// Buffers for `target` holding this model's tensors of the same names (or
    /// the name `source` gives); a tensor without a source stays zero. The
    /// bfloat16 buffer is shared when both layouts hold the same bfloat16 tensors.
    func tensors(for target: ParameterLayout, source: (String) -> String = { $0 }) -> (FloatBuffer, BFloat16Buffer?) {
        let floats = FloatBuffer(count: target.count)
        for spec in target.specs where !spec.isBFloat16 {
            guard let from = layout[source(spec.name)] else { continue }
            read(from, into: floats.pointer + spec.offset)
        }
        guard target.precision == .bfloat16 else { return (floats, nil) }
        let halves = target.specs.filter(\.isBFloat16)
        if let bfloat16Weights, halves == layout.specs.filter(\.isBFloat16), halves.allSatisfy({ source($0.name) == $0.name }) {
            return (floats, bfloat16Weights)
        }
        let made = BFloat16Buffer(count: target.bfloat16Count) { p in
            p.initialize(repeating: 0, count: target.bfloat16Count)
            let scratch = FloatBuffer(count: halves.map(\.count).max() ?? 0)
            for spec in halves {
                guard let from = layout[source(spec.name)] else { continue }
                if from.isBFloat16, let bfloat16Weights {
                    (p + spec.offset).update(from: bfloat16Weights.pointer + from.offset, count: spec.count)
                } else {
                    read(from, into: scratch.pointer)
                    BFloat16.narrow(scratch.pointer, p + spec.offset, spec.count)
                }
            }
        }
        return (floats, made)
    }

    /// The tensor `spec` of this model as binary32 values.
    func read(_ spec: ParameterSpec, into to: UnsafeMutablePointer<Float>) {
        if spec.isBFloat16, let bfloat16Weights {
            BFloat16.widen(bfloat16Weights.pointer + spec.offset, to, spec.count)
        } else {
            to.update(from: parameters.pointer + spec.offset, count: spec.count)
        }
    }
}
