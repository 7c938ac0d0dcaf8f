import LanguageModel
import Testing

/// The hand-written 16-bit conversions against independent references.
@Suite struct HalfFloatTests {
    @Test func namedHalfValues() {
        let cases: [(bits: UInt16, value: Float)] = [
            (0x0000, 0), (0x3C00, 1), (0xC000, -2), (0x7BFF, 65504), (0x0400, 0x1p-14),
            (0x0001, 0x1p-24), (0x03FF, 1023 * 0x1p-24), (0x8001, -0x1p-24),
            (0x7C00, .infinity), (0xFC00, -.infinity),
        ]
        for (bits, value) in cases {
            #expect(HalfFloat.float(fromHalfBits: bits) == value, "0x\(String(bits, radix: 16))")
        }
        #expect(HalfFloat.float(fromHalfBits: 0x8000).bitPattern == (-0.0 as Float).bitPattern)
        #expect(HalfFloat.float(fromHalfBits: 0x7E00).isNaN)
        #expect(HalfFloat.float(fromHalfBits: 0x7C01).isNaN)
    }

    #if !(os(macOS) && arch(x86_64))
    /// Every one of the 65,536 patterns against the standard library's `Float16`.
    @Test func everyHalfPatternMatchesFloat16() {
        var mismatches: [UInt16] = []
        for bits in UInt16.min...UInt16.max {
            let ours = HalfFloat.float(fromHalfBits: bits)
            let reference = Float(Float16(bitPattern: bits))
            let same = reference.isNaN ? ours.isNaN : ours.bitPattern == reference.bitPattern
            if !same { mismatches.append(bits) }
        }
        let count = mismatches.count
        #expect(count == 0, "first mismatches: \(mismatches.prefix(5))")
    }
    #endif

    @Test func bfloat16IsTheUpperHalfOfAFloat() {
        for value: Float in [1, -3.140625, 0x1p-133, .infinity, -0.0, Float(bitPattern: 0x7F7F_0000)] {
            let bits = UInt16(value.bitPattern >> 16)
            #expect(HalfFloat.float(fromBFloat16Bits: bits).bitPattern == value.bitPattern, "\(value)")
        }
    }
}
