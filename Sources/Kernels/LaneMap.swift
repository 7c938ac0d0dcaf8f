/// An elementwise kernel's 16-lane body: output lanes from the lanes of up to
/// four input streams (a kernel with fewer ignores the rest).
///
/// The body is a static function of a type, not a closure, because that is
/// what keeps it in 512-bit registers: a closure that a helper calls twice
/// (for the full groups and for the tail) is not inlined, and its SIMD16
/// arguments then travel in four 128-bit registers, so every operation of
/// the body runs four times at a quarter width (measured on GELU: a fifth of
/// a DPO step, all in xmm).
protocol LaneMap {
    static func lanes(_ a: SIMD16<Float>, _ b: SIMD16<Float>, _ c: SIMD16<Float>, _ d: SIMD16<Float>) -> SIMD16<Float>
}

extension LaneMap {
    /// out[i] = lanes(a[i], b[i], c[i], d[i]) for i in `range`, 16 at a time;
    /// the last partial group through zero-padded lanes, stored partially.
    /// `out` may be one of the inputs (each group is read before it is written).
    @inline(__always)
    static func map(_ range: Range<Int>, out: UnsafeMutablePointer<Float>, _ a: UnsafePointer<Float>,
                    _ b: UnsafePointer<Float>, _ c: UnsafePointer<Float>, _ d: UnsafePointer<Float>) {
        var i = range.lowerBound
        while i + 16 <= range.upperBound {
            store16(lanes(load16(a + i), load16(b + i), load16(c + i), load16(d + i)), out + i)
            i += 16
        }
        guard i < range.upperBound else { return }
        let n = range.upperBound - i
        let v = lanes(loadPartial16(a + i, n), loadPartial16(b + i, n), loadPartial16(c + i, n), loadPartial16(d + i, n))
        for j in 0..<n { out[i + j] = v[j] }
    }
}

/// The first `count` (< 16) floats at `p` in the low lanes, zeros above.
@inline(never)
func loadPartial16(_ p: UnsafePointer<Float>, _ count: Int) -> SIMD16<Float> {
    var v = SIMD16<Float>()
    for j in 0..<count { v[j] = p[j] }
    return v
}
