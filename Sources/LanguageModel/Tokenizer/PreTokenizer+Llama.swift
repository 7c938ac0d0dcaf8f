/// The Llama family's pre-tokenizers: the `Split` regex of Llama 3's
/// tokenizer.json (behavior "Isolated"), and Qwen2's, which differs only in
/// taking digits one at a time (`\p{N}` for Llama 3's `\p{N}{1,3}`):
///
///     (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}
///     | ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+
///
/// implemented by hand on bytes, as `PreTokenizer` does GPT-2's, with the
/// leftmost-first alternation and backtracking of a regex engine and the same
/// character classes. Checked piece by piece against the `tokenizers` library
/// (Fixtures/make_pretokenizer_fixture.py).
extension PreTokenizer {
    /// Which pattern cuts the text.
    public enum Pattern: String, Sendable, CaseIterable {
        /// GPT-2's (`ByteLevel` with `use_regex`).
        case gpt2
        /// Llama 3's `Split` regex.
        case llama3
        /// Qwen2's `Split` regex.
        case qwen2
        /// SmolLM's: every digit alone (`Digits` with `individual_digits`), then GPT-2's between them.
        case digits

        /// The regex as the tokenizer.json of such a model spells it (nil for GPT-2's, which is implied by ByteLevel).
        public var regex: String? {
            switch self {
            case .gpt2, .digits: return nil
            case .llama3: return #"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"#
            case .qwen2: return #"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"#
            }
        }
    }

    /// The pieces of a text under `pattern`, for display and tests.
    public static func pieces(of text: String, pattern: Pattern) -> [String] {
        let bytes = Array(text.utf8)
        var out: [String] = []
        bytes.withUnsafeBufferPointer { buffer in
            forEachPiece(in: buffer, range: 0..<buffer.count, pattern: pattern) {
                out.append(String(decoding: bytes[$0], as: UTF8.self))
            }
        }
        return out
    }

    /// Calls `body` with the range of every piece of `buffer[range]` under `pattern`, in order.
    static func forEachPiece(
        in buffer: UnsafeBufferPointer<UInt8>, range: Range<Int>, pattern: Pattern, _ body: (Range<Int>) -> Void
    ) {
        if pattern == .gpt2 { return forEachPiece(in: buffer, range: range, body) }
        if pattern == .digits { return forEachDigitPiece(in: buffer, range: range, body) }
        let digits = pattern == .llama3 ? 3 : 1
        var start = range.lowerBound
        while start < range.upperBound {
            let stop = llamaPieceEnd(in: buffer, from: start, end: range.upperBound, maxDigits: digits)
            body(start..<stop)
            start = stop
        }
    }

    /// `Digits(individual_digits: true)` then GPT-2's pattern: each character of
    /// class \p{N} (Rust's `char::is_numeric`) is a piece alone, and the text
    /// between them is cut by GPT-2's pattern as if it were the whole input.
    static func forEachDigitPiece(in buffer: UnsafeBufferPointer<UInt8>, range: Range<Int>, _ body: (Range<Int>) -> Void) {
        var segment = range.lowerBound, p = range.lowerBound
        while p < range.upperBound {
            let (k, n) = classify(buffer, at: p, end: range.upperBound)
            if k == .number {
                if segment < p { forEachPiece(in: buffer, range: segment..<p, body) }
                body(p..<(p + n))
                segment = p + n
            }
            p += n
        }
        if segment < range.upperBound { forEachPiece(in: buffer, range: segment..<range.upperBound, body) }
    }

    /// The end of the piece that starts at `start` (exclusive), `start < end`.
    static func llamaPieceEnd(in buffer: UnsafeBufferPointer<UInt8>, from start: Int, end: Int, maxDigits: Int) -> Int {
        func isNewline(_ i: Int) -> Bool { buffer[i] == 0x0A || buffer[i] == 0x0D }
        /// The end of the run of characters of class `c` from `i`.
        func run(_ c: CharacterClass, from i: Int) -> Int {
            var p = i
            while p < end {
                let (k, n) = classify(buffer, at: p, end: end)
                if k != c { break }
                p += n
            }
            return p
        }
        let (first, firstLength) = classify(buffer, at: start, end: end)

        // (?i:'s|'t|'re|'ve|'m|'ll|'d)
        if buffer[start] == 0x27, start + 1 < end {
            let lower = { (i: Int) -> UInt8 in i < end ? buffer[i] | 0x20 : 0 }  // ASCII case folding
            switch lower(start + 1) {
            case 0x73, 0x74, 0x6D, 0x64: return start + 2  // s t m d
            case 0x72, 0x76: if lower(start + 2) == 0x65 { return start + 3 }  // re ve
            case 0x6C: if lower(start + 2) == 0x6C { return start + 3 }  // ll
            default: break
            }
        }
        // [^\r\n\p{L}\p{N}]?\p{L}+
        if first == .letter { return run(.letter, from: start) }
        if first != .number && !isNewline(start), start + firstLength < end,
           classify(buffer, at: start + firstLength, end: end).0 == .letter {
            return run(.letter, from: start + firstLength)
        }
        // \p{N}{1,maxDigits}
        if first == .number {
            var p = start, count = 0
            while p < end && count < maxDigits {
                let (k, n) = classify(buffer, at: p, end: end)
                if k != .number { break }
                p += n
                count += 1
            }
            return p
        }
        // ` ?[^\s\p{L}\p{N}]+[\r\n]*`
        let otherStart = buffer[start] == 0x20 && start + 1 < end && classify(buffer, at: start + 1, end: end).0 == .other
            ? start + 1 : start
        if classify(buffer, at: otherStart, end: end).0 == .other {
            var p = run(.other, from: otherStart)
            while p < end && isNewline(p) { p += 1 }
            return p
        }
        // Whitespace from here on: the run, where its last newline is, and where its last character starts.
        var p = start, lastNewlineEnd: Int?, lastStart = start
        while p < end {
            let (k, n) = classify(buffer, at: p, end: end)
            if k != .whitespace { break }
            if isNewline(p) { lastNewlineEnd = p + 1 }
            lastStart = p
            p += n
        }
        // \s*[\r\n]+ : up to and including the run's last newline.
        if let lastNewlineEnd { return lastNewlineEnd }
        // \s+(?!\S) : the run, less its last character when a non-space follows; else \s+ : the run.
        if p == end || lastStart == start { return p }
        return lastStart
    }
}
