/// A seeded random number generator that gives the same stream on every
/// machine: xoshiro256** (Blackman and Vigna, 2018) seeded through SplitMix64,
/// with normals by Marsaglia's polar method and a logarithm written here from
/// IEEE basic operations, so no platform libm enters the stream.
public struct Random: RandomNumberGenerator, Sendable {
    private var s: (UInt64, UInt64, UInt64, UInt64)
    private var spareNormal: Double?

    /// A generator whose stream is fixed by `seed`.
    public init(seed: UInt64) {
        var x = seed
        func splitMix() -> UInt64 {
            x &+= 0x9E37_79B9_7F4A_7C15
            var z = x
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        s = (splitMix(), splitMix(), splitMix(), splitMix())
    }

    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        let result = rotl(s.1 &* 5, 7) &* 9
        let t = s.1 << 17
        s.2 ^= s.0; s.3 ^= s.1; s.1 ^= s.2; s.0 ^= s.3
        s.2 ^= t
        s.3 = rotl(s.3, 45)
        return result
    }

    private func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

    /// A uniform double in [0, 1) with 53 random bits.
    public mutating func uniform() -> Double { Double(next() >> 11) * 0x1p-53 }

    /// A uniform integer in `0..<n`, without modulo bias.
    public mutating func int(below n: Int) -> Int {
        precondition(n > 0, "Random.int(below:): n must be positive")
        return Int(next(upperBound: UInt64(n)))
    }

    /// Shuffles `array` in place (Fisher–Yates, from the last element down),
    /// the same way on every machine.
    public mutating func shuffle<Element>(_ array: inout [Element]) {
        for i in stride(from: array.count - 1, to: 0, by: -1) { array.swapAt(i, int(below: i + 1)) }
    }

    /// `items` split into those kept and `heldOut` of them drawn at random,
    /// each part in the original order (files come sorted by task, so the last
    /// share would be one task alone).
    public mutating func split<Element>(_ items: [Element], heldOut count: Int) -> (kept: [Element], heldOut: [Element]) {
        var order = Array(items.indices)
        shuffle(&order)
        let held = Set(order.prefix(count))
        return (items.indices.filter { !held.contains($0) }.map { items[$0] }, items.indices.filter(held.contains).map { items[$0] })
    }

    /// A standard normal deviate (Marsaglia's polar method).
    public mutating func normal() -> Double {
        if let z = spareNormal { spareNormal = nil; return z }
        while true {
            let u = 2 * uniform() - 1, v = 2 * uniform() - 1
            let s = u * u + v * v
            if s > 0 && s < 1 {
                let f = (-2 * portableLog(s) / s).squareRoot()
                spareNormal = v * f
                return u * f
            }
        }
    }

    /// Fills `n` floats at `x` with normal(0, std) deviates.
    public mutating func fillNormal(_ x: UnsafeMutablePointer<Float>, _ n: Int, std: Float) {
        for i in 0..<n { x[i] = Float(normal()) * std }
    }
}

/// The natural logarithm of a positive finite `x`, from +, -, *, / only:
/// x = m·2^e with m in [√½, √2), ln m = 2·atanh((m-1)/(m+1)) by its series.
/// Accurate to about 1 ulp; identical on every IEEE-754 machine.
public func portableLog(_ x: Double) -> Double {
    precondition(x > 0 && x.isFinite, "portableLog: \(x) is not positive and finite")
    var e = x.exponent
    var m = x.significand  // in [1, 2)
    if m > 1.414_213_562_373_095 { m /= 2; e += 1 }  // now |s| ≤ 0.172: 12 terms reach 1e-18
    let s = (m - 1) / (m + 1), s2 = s * s
    var term = s, sum = 0.0
    var k = 1.0
    while k < 24 {
        sum += term / k
        term *= s2
        k += 2
    }
    return 2 * sum + Double(e) * 0.693_147_180_559_945_309_417_232_121_458
}
