/// Small vector primitives over contiguous floats, written with explicit
/// `SIMD16` so that reductions vectorise (the compiler may not reorder a scalar
/// float sum). The building blocks of the hand-written kernels.

/// Σᵢ a[i]·b[i] over `n` floats.
@inlinable @inline(__always)
public func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ n: Int) -> Float {
    var acc0 = SIMD16<Float>(), acc1 = SIMD16<Float>()
    var i = 0
    while i + 32 <= n {
        acc0.addProduct(load16(a + i), load16(b + i))
        acc1.addProduct(load16(a + i + 16), load16(b + i + 16))
        i += 32
    }
    if i + 16 <= n {
        acc0.addProduct(load16(a + i), load16(b + i))
        i += 16
    }
    var sum = horizontalSum(acc0 + acc1)
    while i < n { sum += a[i] * b[i]; i += 1 }
    return sum
}

/// y[i] += alpha·x[i] over `n` floats.
@inlinable @inline(__always)
public func axpy(_ alpha: Float, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int) {
    let a = SIMD16<Float>(repeating: alpha)
    var i = 0
    while i + 16 <= n {
        var v = load16(y + i)
        v.addProduct(a, load16(x + i))
        store16(v, y + i)
        i += 16
    }
    while i < n { y[i] += alpha * x[i]; i += 1 }
}

/// The largest of `n ≥ 1` floats, or NaN if any is NaN (`pointwiseMax` alone
/// would skip NaN lanes).
@inlinable @inline(__always)
public func maximum(_ x: UnsafePointer<Float>, _ n: Int) -> Float {
    var m = SIMD16<Float>(repeating: -.infinity), nan = SIMD16<Float>()
    var i = 0
    while i + 16 <= n {
        let v = load16(x + i)
        m = pointwiseMax(m, v)
        nan += v - v  // 0 for finite lanes, NaN for NaN or ±∞
        i += 16
    }
    var r = horizontalMax(m), bad = horizontalSum(nan)
    while i < n { r = max(r, x[i]); bad += x[i] - x[i]; i += 1 }
    // bad is NaN when a lane held NaN or ±∞; only then look for a NaN.
    return bad.isNaN && anyNaN(x, n) ? .nan : r
}

/// True when one of `n` floats is NaN.
@inlinable
public func anyNaN(_ x: UnsafePointer<Float>, _ n: Int) -> Bool {
    for i in 0..<n where x[i].isNaN { return true }
    return false
}

/// Loads 16 floats from unaligned memory.
@inlinable @inline(__always)
public func load16(_ p: UnsafePointer<Float>) -> SIMD16<Float> {
    UnsafeRawPointer(p).loadUnaligned(as: SIMD16<Float>.self)
}

/// Stores 16 floats to unaligned memory.
@inlinable @inline(__always)
public func store16(_ v: SIMD16<Float>, _ p: UnsafeMutablePointer<Float>) {
    UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD16<Float>.self)
}

/// The sum of 16 lanes by halving (4 dependent adds; the standard library's
/// `sum()` adds the lanes one after another, 15 dependent adds).
@inlinable @inline(__always)
public func horizontalSum(_ v: SIMD16<Float>) -> Float {
    let h8 = v.lowHalf + v.highHalf
    let h4 = h8.lowHalf + h8.highHalf
    let h2 = h4.lowHalf + h4.highHalf
    return h2[0] + h2[1]
}

/// The largest of 16 lanes by halving.
@inlinable @inline(__always)
public func horizontalMax(_ v: SIMD16<Float>) -> Float {
    let h8 = pointwiseMax(v.lowHalf, v.highHalf)
    let h4 = pointwiseMax(h8.lowHalf, h8.highHalf)
    let h2 = pointwiseMax(h4.lowHalf, h4.highHalf)
    return max(h2[0], h2[1])
}
