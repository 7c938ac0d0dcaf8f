/// A flat, owned, 64-byte aligned array of `Float` that kernels read and write
/// through raw pointers. One allocation per kind of state (parameters,
/// gradients, moments, activations); views into it are plain pointers.
public final class FloatBuffer: @unchecked Sendable {
    /// The first element; valid for `count` elements while the buffer lives.
    public let pointer: UnsafeMutablePointer<Float>
    /// The number of elements.
    public let count: Int

    /// Allocates `count` zeros.
    public init(count: Int) {
        precondition(count >= 0, "FloatBuffer: negative count \(count)")
        let raw = UnsafeMutableRawPointer.allocate(
            byteCount: max(count, 1) * MemoryLayout<Float>.stride, alignment: 64)
        pointer = raw.bindMemory(to: Float.self, capacity: max(count, 1))
        pointer.initialize(repeating: 0, count: max(count, 1))
        self.count = count
    }

    /// Allocates a copy of `values`.
    public convenience init(_ values: [Float]) {
        self.init(count: values.count)
        values.withUnsafeBufferPointer { pointer.update(from: $0.baseAddress!, count: values.count) }
    }

    deinit { pointer.deallocate() }

    /// Sets every element to zero.
    public func zero() { pointer.update(repeating: 0, count: count) }

    /// Copies every element of `other`, which must have the same count.
    public func copy(from other: FloatBuffer) {
        precondition(other.count == count, "FloatBuffer.copy: \(other.count) != \(count)")
        pointer.update(from: other.pointer, count: count)
    }

    /// The elements as an array (for tests and small reads).
    public var array: [Float] { Array(UnsafeBufferPointer(start: pointer, count: count)) }

    /// Element access (for tests and small reads; kernels use `pointer`).
    public subscript(index: Int) -> Float {
        get { pointer[index] }
        set { pointer[index] = newValue }
    }

    /// True when no element is NaN or infinite.
    public var isFinite: Bool { Kernels.allFinite(pointer, count) }
}

/// True when none of the `n` floats at `x` is NaN or infinite.
public func allFinite(_ x: UnsafePointer<Float>, _ n: Int) -> Bool {
    var bad: Float = 0
    for i in 0..<n { bad += x[i] * 0 }  // NaN*0 and Inf*0 are NaN; finite*0 is 0
    return bad == 0
}
