/// Conversions from the 16-bit float formats found in checkpoints to `Float`.
///
/// Written by hand rather than with `Float16`, which Swift does not offer on
/// macOS on Intel. Both conversions are exact: every binary16 and bfloat16
/// value is representable as a binary32.
public enum HalfFloat {
    /// The `Float` equal to an IEEE 754 binary16 bit pattern.
    ///
    /// binary16 is 1 sign bit, 5 exponent bits (bias 15) and 10 fraction bits
    /// (IEEE 754-2008, section 3.6). Normal numbers re-bias the exponent to
    /// binary32's 127 and shift the fraction up 13 bits; subnormals are
    /// `fraction × 2⁻²⁴`; exponent 31 is infinity (fraction 0) or NaN, whose
    /// payload is kept.
    @inlinable
    public static func float(fromHalfBits bits: UInt16) -> Float {
        let sign = UInt32(bits & 0x8000) << 16
        let exponent = UInt32(bits >> 10) & 0x1F
        let fraction = UInt32(bits & 0x03FF)
        switch exponent {
        case 0:
            // Zero or subnormal: fraction < 2¹⁰ and the scale is a power of two, so exact.
            let magnitude = Float(fraction) * 0x1p-24
            return sign == 0 ? magnitude : -magnitude
        case 0x1F:
            return Float(bitPattern: sign | 0x7F80_0000 | (fraction << 13))
        default:
            return Float(bitPattern: sign | ((exponent + 112) << 23) | (fraction << 13))
        }
    }

    /// The `Float` equal to a bfloat16 bit pattern: bfloat16 is the upper half
    /// of a binary32, so the conversion is a shift.
    @inlinable
    public static func float(fromBFloat16Bits bits: UInt16) -> Float {
        Float(bitPattern: UInt32(bits) << 16)
    }
}
