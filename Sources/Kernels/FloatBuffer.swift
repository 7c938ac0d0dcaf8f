/// A flat, owned, 64-byte aligned array of `Float` that kernels read and write
/// through raw pointers. One allocation per kind of state (parameters,
/// gradients, moments, activations); views into it are plain pointers.
public final class FloatBuffer: @unchecked Sendable {
    /// Element 0; valid for elements `origin..<count` while the buffer lives.
    public let pointer: UnsafeMutablePointer<Float>
    /// The number of elements, counting from 0.
    public let count: Int
    /// The first element held: elements before it are not stored (a model with
    /// adapters holds gradients for its trainable tail only). 0 for most buffers.
    public let origin: Int
    /// The allocation: elements origin..<count.
    private let storage: UnsafeMutablePointer<Float>

    /// Allocates `count` zeros.
    public convenience init(count: Int) { self.init(count: count, origin: 0) }

    /// Allocates zeros for elements `origin..<count` only; `pointer` still indexes from 0.
    public init(count: Int, origin: Int) {
        precondition(count >= 0 && (0...count).contains(origin), "FloatBuffer: count \(count), origin \(origin)")
        let held = count - origin
        let raw = UnsafeMutableRawPointer.allocate(
            byteCount: max(held, 1) * MemoryLayout<Float>.stride, alignment: 64)
        storage = raw.bindMemory(to: Float.self, capacity: max(held, 1))
        storage.initialize(repeating: 0, count: max(held, 1))
        pointer = storage - origin
        self.count = count
        self.origin = origin
    }

    /// Allocates a copy of `values`.
    public convenience init(_ values: [Float]) {
        self.init(count: values.count)
        values.withUnsafeBufferPointer { pointer.update(from: $0.baseAddress!, count: values.count) }
    }

    deinit { storage.deallocate() }

    /// Elements held.
    public var held: Int { count - origin }

    /// Sets every element held to zero.
    public func zero() { storage.update(repeating: 0, count: held) }

    /// Copies every element of `other`, which must have the same count and origin.
    public func copy(from other: FloatBuffer) {
        precondition(other.count == count && other.origin == origin, "FloatBuffer.copy: \(other.count) != \(count)")
        storage.update(from: other.storage, count: held)
    }

    /// A new buffer holding the same elements.
    public func copied() -> FloatBuffer {
        let made = FloatBuffer(count: count, origin: origin)
        made.copy(from: self)
        return made
    }

    /// The elements held, `origin..<count`, as an array (for tests and small reads).
    public var array: [Float] { Array(UnsafeBufferPointer(start: storage, count: held)) }

    /// Element access (for tests and small reads; kernels use `pointer`).
    public subscript(index: Int) -> Float {
        get { pointer[index] }
        set { pointer[index] = newValue }
    }

    /// True when no element is NaN or infinite.
    public var isFinite: Bool { Kernels.allFinite(storage, held) }
}

/// True when none of the `n` floats at `x` is NaN or infinite.
public func allFinite(_ x: UnsafePointer<Float>, _ n: Int) -> Bool {
    var bad: Float = 0
    for i in 0..<n { bad += x[i] * 0 }  // NaN*0 and Inf*0 are NaN; finite*0 is 0
    return bad == 0
}
