/// GPT-2's pre-tokenizer: splits raw bytes into the "words" that BPE then merges inside.
///
/// It implements, by hand and on bytes, the pattern of OpenAI's GPT-2 `encoder.py`
/// (also `pre_tokenizers/byte_level.rs` in Hugging Face `tokenizers`):
///
///     's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
///
/// with the leftmost-first alternation and backtracking of a regex engine. The input is
/// read as UTF-8: each valid scalar is one character, classified with
/// `Unicode.Scalar.Properties` (`\p{L}` = general category L*, `\p{N}` = N*, `\s` = the
/// White_Space property); each byte that is not part of a valid UTF-8 sequence is a
/// character of its own in the class `[^\s\p{L}\p{N}]`.
///
/// The pieces cover the input exactly, in order, without gaps or overlaps.
public enum PreTokenizer {
    /// The character classes the pattern distinguishes.
    enum CharacterClass: UInt8 {
        case letter, number, whitespace, other
    }

    /// The byte ranges of the pieces of `bytes`, in order.
    public static func ranges(in bytes: [UInt8]) -> [Range<Int>] {
        var result: [Range<Int>] = []
        bytes.withUnsafeBufferPointer { buffer in
            forEachPiece(in: buffer, range: 0..<buffer.count) { result.append($0) }
        }
        return result
    }

    /// The pieces of `bytes` as byte arrays.
    public static func pieces(of bytes: [UInt8]) -> [[UInt8]] {
        ranges(in: bytes).map { Array(bytes[$0]) }
    }

    /// The pieces of a text, for display (every piece of a valid string is valid UTF-8,
    /// since pieces never split a scalar).
    public static func pieces(of text: String) -> [String] {
        pieces(of: Array(text.utf8)).map { String(decoding: $0, as: UTF8.self) }
    }

    /// Calls `body` with the range of every piece of `buffer[range]`, in order. The text
    /// outside `range` is ignored, as if `range` were the whole input.
    static func forEachPiece(
        in buffer: UnsafeBufferPointer<UInt8>, range: Range<Int>, _ body: (Range<Int>) -> Void
    ) {
        let end = range.upperBound
        var start = range.lowerBound
        while start < end {
            let stop = pieceEnd(in: buffer, from: start, end: end)
            body(start..<stop)
            start = stop
        }
    }

    /// The end of the piece that starts at `start` (exclusive), `start < end`.
    static func pieceEnd(in buffer: UnsafeBufferPointer<UInt8>, from start: Int, end: Int) -> Int {
        let first = buffer[start]

        // 's|'t|'re|'ve|'m|'ll|'d  (case-sensitive, ASCII only).
        if first == 0x27, start + 1 < end {
            switch buffer[start + 1] {
            case 0x73, 0x74, 0x6D, 0x64:  // s t m d
                return start + 2
            case 0x72, 0x76:  // r v, then e
                if start + 2 < end, buffer[start + 2] == 0x65 { return start + 3 }
            case 0x6C:  // l, then l
                if start + 2 < end, buffer[start + 2] == 0x6C { return start + 3 }
            default:
                break
            }
        }

        // ` ?\p{L}+`, ` ?\p{N}+`, ` ?[^\s\p{L}\p{N}]+`: an optional U+0020 and then a run
        // of one class. When the space is not followed by a character of those classes,
        // the optional space backtracks to empty, and the space itself (whitespace)
        // matches none of the three, so the whitespace alternatives below take over.
        let runStart = (first == 0x20 && start + 1 < end) ? start + 1 : start
        let (runClass, runLength) = classify(buffer, at: runStart, end: end)
        if runClass != .whitespace {
            var position = runStart + runLength
            while position < end {
                let (nextClass, nextLength) = classify(buffer, at: position, end: end)
                if nextClass != runClass { break }
                position += nextLength
            }
            return position
        }

        // `\s+(?!\S)|\s+`: the whole whitespace run if it ends the input; otherwise the run
        // less its last character (which then starts the next piece, e.g. " word"), unless
        // the run is one character long, in which case `\s+` takes it alone.
        var position = start
        var lastCharacterStart = start
        while position < end {
            let (nextClass, nextLength) = classify(buffer, at: position, end: end)
            if nextClass != .whitespace { break }
            lastCharacterStart = position
            position += nextLength
        }
        if position == end || lastCharacterStart == start {
            return position
        }
        return lastCharacterStart
    }

    /// The class and byte length of the character at `index` (`index < end`).
    @inline(__always)
    static func classify(
        _ buffer: UnsafeBufferPointer<UInt8>, at index: Int, end: Int
    ) -> (CharacterClass, Int) {
        let lead = buffer[index]
        if lead < 0x80 {
            switch lead {
            case 0x41...0x5A, 0x61...0x7A: return (.letter, 1)
            case 0x30...0x39: return (.number, 1)
            case 0x09...0x0D, 0x20: return (.whitespace, 1)
            default: return (.other, 1)
            }
        }
        guard let (value, length) = decodeScalar(buffer, at: index, end: end),
            let scalar = Unicode.Scalar(value)
        else {
            return (.other, 1)
        }
        return (characterClass(of: scalar), length)
    }

    /// The class of a scalar under `\p{L}`, `\p{N}` and `\s`.
    static func characterClass(of scalar: Unicode.Scalar) -> CharacterClass {
        let properties = scalar.properties
        if properties.isWhitespace { return .whitespace }
        switch properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter:
            return .letter
        case .decimalNumber, .letterNumber, .otherNumber:
            return .number
        default:
            return .other
        }
    }

    /// Decodes one multi-byte UTF-8 sequence starting at `index`, or returns `nil` when
    /// the lead byte does not start a well-formed sequence that ends before `end`
    /// (well-formed as in Table 3-7 of the Unicode Standard: no overlongs, no
    /// surrogates, nothing above U+10FFFF).
    @inline(__always)
    static func decodeScalar(
        _ buffer: UnsafeBufferPointer<UInt8>, at index: Int, end: Int
    ) -> (UInt32, Int)? {
        let lead = buffer[index]
        let length: Int
        var secondLow: UInt8 = 0x80
        var secondHigh: UInt8 = 0xBF
        switch lead {
        case 0xC2...0xDF: length = 2
        case 0xE0: length = 3; secondLow = 0xA0
        case 0xE1...0xEC, 0xEE...0xEF: length = 3
        case 0xED: length = 3; secondHigh = 0x9F
        case 0xF0: length = 4; secondLow = 0x90
        case 0xF1...0xF3: length = 4
        case 0xF4: length = 4; secondHigh = 0x8F
        default: return nil
        }
        guard index + length <= end else { return nil }
        let second = buffer[index + 1]
        guard second >= secondLow, second <= secondHigh else { return nil }
        var value = UInt32(lead) & (length == 2 ? 0x1F : length == 3 ? 0x0F : 0x07)
        value = (value << 6) | UInt32(second & 0x3F)
        var offset = 2
        while offset < length {
            let next = buffer[index + offset]
            guard next & 0xC0 == 0x80 else { return nil }
            value = (value << 6) | UInt32(next & 0x3F)
            offset += 1
        }
        return (value, length)
    }
}
