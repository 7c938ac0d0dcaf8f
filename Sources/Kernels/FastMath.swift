/// exp and tanh for 16 lanes at a time, from +, ×, FMA and bit operations, so
/// that softmax, cross-entropy and GELU vectorise (libm's scalar `expf` would
/// cost more than the matmuls around it).

/// eˣ for each lane, relative error below 2e-7 on [-87, 88]; inputs outside
/// are clamped (so -∞ gives about 1e-38, not 0), and NaN gives a tiny number:
/// callers that may see NaN check for it (`maximum` does, for softmax).
///
/// x = n·ln2 + r with |r| ≤ ln2/2; eʳ by its Taylor series to r⁷ (truncation
/// error under 6e-9); 2ⁿ placed in the exponent bits.
@inlinable @inline(__always)
public func exp16(_ x: SIMD16<Float>) -> SIMD16<Float> {
    let clamped = pointwiseMin(pointwiseMax(x, SIMD16(repeating: -87.0)), SIMD16(repeating: 88.0))
    // Adding 1.5·2²³ rounds to the nearest integer and leaves it in the low
    // mantissa bits, so n needs no float-to-int conversion (which Swift does
    // lane by lane).
    let magic = SIMD16<Float>(repeating: 12_582_912)
    let shifted = clamped * 1.442_695_04 + magic
    let n = shifted - magic
    var r = clamped - n * 0.693_145_75  // ln2 split in two for exact n·ln2_hi
    r = r - n * 1.428_606_8e-6
    var p = SIMD16<Float>(repeating: 1.0 / 5040)
    p = p * r + 1.0 / 720
    p = p * r + 1.0 / 120
    p = p * r + 1.0 / 24
    p = p * r + 1.0 / 6
    p = p * r + 0.5
    p = p * r + 1
    p = p * r + 1
    let integer = unsafeBitCast(shifted, to: SIMD16<Int32>.self) &- 0x4B40_0000
    let scale = (integer &+ 127) &<< 23
    return p * unsafeBitCast(scale, to: SIMD16<Float>.self)
}

/// eˣ for one float, by the same method as `exp16` (so scalar tails agree).
@inlinable @inline(__always)
public func expScalar(_ x: Float) -> Float { exp16(SIMD16(repeating: x))[0] }

/// tanh for each lane: 1 − 2/(e²ˣ + 1); absolute error below 3e-7.
@inlinable @inline(__always)
public func tanh16(_ x: SIMD16<Float>) -> SIMD16<Float> {
    1 - 2 / (exp16(2 * x) + 1)
}
