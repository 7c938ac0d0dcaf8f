/// GPT-2's reversible mapping between raw bytes and printable Unicode characters.
///
/// Byte-level BPE works on bytes, but its vocabulary files store tokens as text. GPT-2
/// therefore gives every byte value a visible character: the "printable" bytes
/// `!`...`~`, `¡`...`¬` and `®`...`ÿ` stand for themselves, and the remaining 68 bytes
/// (controls, space, DEL, the C1 range, no-break space and soft hyphen) are given the
/// characters U+0100, U+0101, ... in increasing byte order. So the space byte 0x20 is
/// `Ġ` (U+0120) and the newline 0x0A is `Ċ` (U+010A).
///
/// Source of the rule: `bytes_to_unicode()` in OpenAI's GPT-2 `src/encoder.py`; the same
/// table is used by Hugging Face `tokenizers` (`pre_tokenizers/byte_level.rs`).
public enum ByteLevel {
    /// The character standing for each byte, indexed by byte value (256 entries).
    public static let byteToScalar: [Unicode.Scalar] = makeByteToScalar()

    /// Reverse table indexed by scalar value (only values up to U+0143 are used);
    /// -1 marks a scalar that stands for no byte.
    static let scalarToByte: [Int16] = makeScalarToByte()

    /// The 256 one-character token strings of the base vocabulary, in byte order 0...255.
    public static var alphabet: [String] {
        byteToScalar.map { String(Character($0)) }
    }

    /// Whether a byte is one of GPT-2's "printable" bytes that stand for themselves.
    ///
    /// The ranges are the ones listed in `bytes_to_unicode()` (OpenAI `encoder.py`):
    /// `ord("!")...ord("~")`, `ord("¡")...ord("¬")`, `ord("®")...ord("ÿ")`.
    public static func isPrintable(_ byte: UInt8) -> Bool {
        switch byte {
        case 0x21...0x7E, 0xA1...0xAC, 0xAE...0xFF: return true
        default: return false
        }
    }

    /// The character that stands for `byte`.
    @inline(__always)
    public static func scalar(for byte: UInt8) -> Unicode.Scalar {
        byteToScalar[Int(byte)]
    }

    /// The byte that `scalar` stands for, or `nil` when it is not one of the 256
    /// characters of the byte-level alphabet.
    @inline(__always)
    public static func byte(for scalar: Unicode.Scalar) -> UInt8? {
        let value = Int(scalar.value)
        guard value < scalarToByte.count else { return nil }
        let byte = scalarToByte[value]
        return byte < 0 ? nil : UInt8(byte)
    }

    /// The byte-level string of some raw bytes (one character per byte).
    public static func string<Bytes: Sequence>(from bytes: Bytes) -> String
    where Bytes.Element == UInt8 {
        var scalars = String.UnicodeScalarView()
        for byte in bytes {
            scalars.append(byteToScalar[Int(byte)])
        }
        return String(scalars)
    }

    /// The raw bytes of a byte-level string, or `nil` if the string contains a character
    /// outside the byte-level alphabet.
    public static func bytes(from string: String) -> [UInt8]? {
        var result: [UInt8] = []
        result.reserveCapacity(string.unicodeScalars.count)
        for scalar in string.unicodeScalars {
            guard let byte = byte(for: scalar) else { return nil }
            result.append(byte)
        }
        return result
    }

    // MARK: - Table construction

    private static func makeByteToScalar() -> [Unicode.Scalar] {
        var table: [Unicode.Scalar] = []
        table.reserveCapacity(256)
        // Non-printable bytes take U+0100 + n, n counting them in increasing byte order.
        var nextExtra: UInt32 = 0x100
        for value in 0...255 {
            let byte = UInt8(value)
            if isPrintable(byte) {
                table.append(Unicode.Scalar(byte))
            } else {
                // 0x100 + 67 = 0x143 at most: always a valid scalar.
                table.append(Unicode.Scalar(nextExtra)!)
                nextExtra += 1
            }
        }
        return table
    }

    private static func makeScalarToByte() -> [Int16] {
        let forward = makeByteToScalar()
        let size = Int(forward.map(\.value).max()!) + 1
        var table = [Int16](repeating: -1, count: size)
        for (byte, scalar) in forward.enumerated() {
            table[Int(scalar.value)] = Int16(byte)
        }
        return table
    }
}
