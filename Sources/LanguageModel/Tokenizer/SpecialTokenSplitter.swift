/// Finds exact occurrences of special tokens in raw bytes, so that they are never split
/// by the pre-tokenizer or by BPE.
///
/// Scanning left to right, at each position the longest special token that matches there
/// wins (leftmost-longest, as Hugging Face `tokenizers` matches added tokens); the text
/// between matches is reported as plain segments.
struct SpecialTokenSplitter: Sendable {
    /// One special token: its UTF-8 bytes and its id.
    struct Entry: Sendable {
        /// The UTF-8 bytes of the token.
        let bytes: [UInt8]
        /// The token's id.
        let id: Int32
    }

    /// One piece of the input: plain text (a byte range) or a special token.
    enum Segment {
        /// Plain bytes to pre-tokenize and BPE-encode.
        case text(Range<Int>)
        /// A special token, by id.
        case special(Int32)
    }

    /// The special tokens, longest first, ties in byte order (so the scan is deterministic).
    let entries: [Entry]
    /// `startsToken[b]` is true when some special token starts with byte `b`.
    private let startsToken: [Bool]

    /// Builds a splitter for special tokens given as `(content, id)` (empty contents are ignored).
    init<Tokens: Sequence>(_ tokens: Tokens) where Tokens.Element == (String, Int32) {
        var entries = tokens.compactMap { content, id -> Entry? in
            content.isEmpty ? nil : Entry(bytes: Array(content.utf8), id: id)
        }
        entries.sort { a, b in
            if a.bytes.count != b.bytes.count { return a.bytes.count > b.bytes.count }
            if a.bytes != b.bytes { return a.bytes.lexicographicallyPrecedes(b.bytes) }
            return a.id < b.id
        }
        self.entries = entries
        var startsToken = [Bool](repeating: false, count: 256)
        for entry in entries { startsToken[Int(entry.bytes[0])] = true }
        self.startsToken = startsToken
    }

    /// Whether there is no special token (the whole input is then one text segment).
    var isEmpty: Bool { entries.isEmpty }

    /// Calls `body` with the segments of `buffer`, in order. Empty text segments are skipped.
    func forEachSegment(in buffer: UnsafeBufferPointer<UInt8>, _ body: (Segment) -> Void) {
        let count = buffer.count
        guard !entries.isEmpty else {
            if count > 0 { body(.text(0..<count)) }
            return
        }
        var textStart = 0
        var position = 0
        while position < count {
            if startsToken[Int(buffer[position])], let entry = match(in: buffer, at: position) {
                if textStart < position { body(.text(textStart..<position)) }
                body(.special(entry.id))
                position += entry.bytes.count
                textStart = position
            } else {
                position += 1
            }
        }
        if textStart < count { body(.text(textStart..<count)) }
    }

    /// The longest special token whose bytes occur at `position`, if any.
    private func match(in buffer: UnsafeBufferPointer<UInt8>, at position: Int) -> Entry? {
        let remaining = buffer.count - position
        for entry in entries where entry.bytes.count <= remaining {
            var equal = true
            for (offset, byte) in entry.bytes.enumerated() where buffer[position + offset] != byte {
                equal = false
                break
            }
            if equal { return entry }
        }
        return nil
    }
}
