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
        let made = GPT(config: config, scalarHead: hasScalarHead, parameters: p, base: h, lora: lora)
        made.baseChanged = baseChanged || precision == .bfloat16
        made.tokenIDs = tokenIDs
        return made
    }

    /// Buffers for `target` holding this model's tensors of the same names (or
    /// the name `source` gives); a tensor without a source stays zero. The base
    /// matrices are shared, not copied, when this model holds the same ones where
    /// `target` wants them: its own base buffer, or (for a binary32 layout with
    /// adapters) the parameters of this binary32 model without.
    func tensors(for target: ParameterLayout, source: (String) -> String = { $0 }) -> (FloatBuffer, BaseMatrices?) {
        let floats = FloatBuffer(count: target.count)
        for spec in target.specs where !spec.inBase {
            guard let from = layout[source(spec.name)] else { continue }
            read(from, into: floats.pointer + spec.offset)
        }
        guard target.baseMatrixCount > 0 else { return (floats, nil) }
        let wanted = target.specs.filter(\.inBase)
        func sameWhere(_ holds: (ParameterSpec) -> Bool) -> Bool {
            wanted.allSatisfy { spec in
                source(spec.name) == spec.name && layout[spec.name].map { $0.offset == spec.offset && holds($0) } == true
            }
        }
        switch baseMatrices {
        case let base? where base.precision == target.precision && base.count == target.baseMatrixCount
            && sameWhere(\.inBase):
            return (floats, base)
        case nil where target.precision == .float32 && parameters.count == target.baseMatrixCount && sameWhere({ !$0.inBase }):
            return (floats, .float32(parameters))
        default:
            break
        }
        if target.precision == .float32 {
            let made = FloatBuffer(count: target.baseMatrixCount)
            for spec in wanted { if let from = layout[source(spec.name)] { read(from, into: made.pointer + spec.offset) } }
            return (floats, .float32(made))
        }
        let made = BFloat16Buffer(count: target.baseMatrixCount) { p in
            p.initialize(repeating: 0, count: target.baseMatrixCount)
            let scratch = FloatBuffer(count: wanted.map(\.count).max() ?? 0)
            for spec in wanted {
                guard let from = layout[source(spec.name)] else { continue }
                if from.isBFloat16, let bfloat16Weights {
                    (p + spec.offset).update(from: bfloat16Weights.pointer + from.offset, count: spec.count)
                } else {
                    read(from, into: scratch.pointer)
                    BFloat16.narrow(scratch.pointer, p + spec.offset, spec.count)
                }
            }
        }
        return (floats, .bfloat16(made))
    }

    /// The tensor `spec` of this model as binary32 values.
    func read(_ spec: ParameterSpec, into to: UnsafeMutablePointer<Float>) {
        switch (spec.inBase, baseMatrices) {
        case (true, .bfloat16(let b)?): BFloat16.widen(b.pointer + spec.offset, to, spec.count)
        case (true, .float32(let b)?): to.update(from: b.pointer + spec.offset, count: spec.count)
        default: to.update(from: parameters.pointer + spec.offset, count: spec.count)
        }
    }
}
