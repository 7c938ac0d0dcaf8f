/// bfloat16: the upper 16 bits of an IEEE 754 binary32 (1 sign, 8 exponent
/// and 7 fraction bits), the format open models ship their weights in. Held
/// as raw `UInt16` bit patterns; widening to `Float` is exact (a shift), and
/// narrowing rounds to nearest, ties to even, as PyTorch's `.to(torch.bfloat16)`
/// does (c10/util/BFloat16.h, `round_to_nearest_even`).
public enum BFloat16 {
    /// The `Float` a bfloat16 bit pattern stands for (exact).
    @inlinable @inline(__always)
    public static func float(_ bits: UInt16) -> Float { Float(bitPattern: UInt32(bits) << 16) }

    /// The nearest bfloat16 to `x`, ties to even; NaN stays a (quiet) NaN and
    /// values past bfloat16's largest finite round to infinity, as IEEE rounding does.
    @inlinable
    public static func bits(_ x: Float) -> UInt16 {
        if x.isNaN { return 0x7FC0 }
        let u = x.bitPattern
        return UInt16(truncatingIfNeeded: (u &+ 0x7FFF &+ ((u >> 16) & 1)) >> 16)
    }

    /// Whether the pattern is NaN or infinite (all exponent bits set).
    @inlinable
    public static func isFinite(_ bits: UInt16) -> Bool { bits & 0x7F80 != 0x7F80 }

    /// to[i] = float(from[i]) for `n` values (a plain loop: the compiler vectorises it).
    @inlinable
    public static func widen(_ from: UnsafePointer<UInt16>, _ to: UnsafeMutablePointer<Float>, _ n: Int) {
        for i in 0..<n { to[i] = float(from[i]) }
    }

    /// to[i] = bits(from[i]) for `n` values.
    public static func narrow(_ from: UnsafePointer<Float>, _ to: UnsafeMutablePointer<UInt16>, _ n: Int) {
        for i in 0..<n { to[i] = bits(from[i]) }
    }
}

/// Loads 32 bfloat16 values from unaligned memory as floats, split by parity:
/// `even` holds elements 0, 2, …, 30 and `odd` 1, 3, …, 31. Each 32-bit lane
/// holds a pair (little-endian: the even element in its low half), so a shift
/// and a mask widen both; `SIMD16<UInt32>(truncatingIfNeeded:)` would be a
/// library call per load.
@inlinable @inline(__always)
public func load32Split(_ p: UnsafePointer<UInt16>) -> (even: SIMD16<Float>, odd: SIMD16<Float>) {
    let pairs = UnsafeRawPointer(p).loadUnaligned(as: SIMD16<UInt32>.self)
    return (unsafeBitCast(pairs &<< 16, to: SIMD16<Float>.self),
            unsafeBitCast(pairs & SIMD16<UInt32>(repeating: 0xFFFF_0000), to: SIMD16<Float>.self))
}

/// Reorders each full block of 32 floats as `load32Split` splits bfloat16
/// values (its even elements, then its odd ones); a shorter tail stays as it is.
@inlinable
public func splitByParity(_ from: UnsafePointer<Float>, _ to: UnsafeMutablePointer<Float>, _ n: Int) {
    var b = 0
    while b + 32 <= n {
        for i in 0..<16 { to[b + i] = from[b + 2 * i]; to[b + 16 + i] = from[b + 2 * i + 1] }
        b += 32
    }
    for i in b..<n { to[i] = from[i] }
}

/// The inverse of `splitByParity`: element j of `from`'s natural order is read from its split place.
@inlinable
public func splitIndex(_ j: Int, _ n: Int) -> Int {
    let b = j / 32 * 32
    if b + 32 > n { return j }
    let i = j - b
    return b + (i & 1 == 0 ? i / 2 : 16 + i / 2)
}

/// A flat, owned, 64-byte aligned array of bfloat16 bit patterns: a model's
/// weight matrices when it is held in bfloat16. Filled once when made and only
/// read afterwards, so models may share one (a frozen reference and its policy).
public final class BFloat16Buffer: @unchecked Sendable {
    /// The first element; valid for `count` elements while the buffer lives.
    public let pointer: UnsafeMutablePointer<UInt16>
    /// The number of elements.
    public let count: Int

    /// Allocates `count` elements and lets `fill` write them (it must write every one).
    public init(count: Int, fill: (UnsafeMutablePointer<UInt16>) throws -> Void) rethrows {
        precondition(count >= 0, "BFloat16Buffer: negative count \(count)")
        let raw = UnsafeMutableRawPointer.allocate(byteCount: max(count, 1) * 2, alignment: 64)
        pointer = raw.bindMemory(to: UInt16.self, capacity: max(count, 1))
        self.count = count
        try fill(pointer)  // when it throws, deinit frees the memory (every property is set by then)
    }

    deinit { pointer.deallocate() }

    /// Bytes held.
    public var byteCount: Int { count * 2 }
}

/// A weight matrix as a kernel reads it: binary32, or bfloat16 (widened as it is read).
public enum Weight {
    case float(UnsafePointer<Float>)
    case bfloat16(UnsafePointer<UInt16>)

    /// Row `row` (of `columns` values) as floats into `to`.
    @inlinable
    public func row(_ row: Int, columns: Int, into to: UnsafeMutablePointer<Float>) {
        switch self {
        case .float(let p): to.update(from: p + row * columns, count: columns)
        case .bfloat16(let p): BFloat16.widen(p + row * columns, to, columns)
        }
    }

    /// Adds row `row` (of `columns` values) to `to`.
    @inlinable
    public func addRow(_ row: Int, columns: Int, to: UnsafeMutablePointer<Float>) {
        switch self {
        case .float(let p): for c in 0..<columns { to[c] += p[row * columns + c] }
        case .bfloat16(let p): for c in 0..<columns { to[c] += BFloat16.float(p[row * columns + c]) }
        }
    }
}
