/// SentencePiece-style BPE as Llama 2 and TinyLlama ship it in tokenizer.json: spaces
/// become "▁" (U+2581) and a word's symbols are its characters, a character missing from
/// the vocabulary falling back to its UTF-8 bytes as the tokens `<0x00>`…`<0xFF>`.
///
/// Two layouts (Hugging Face `tokenizers`, and transformers' `LlamaConverter`):
/// - legacy: the normalizer `Sequence[Prepend("▁"), Replace(" ", "▁")]`, no
///   pre-tokenizer. The normalizer runs on each piece of text between added tokens,
///   so each non-empty piece starts with a "▁", even one that already does.
/// - Metaspace: no normalizer; the pre-tokenizer replaces spaces and prepends "▁"
///   (`prepend_scheme` always; first: only to text at the input's start; never) unless
///   the text already starts with one, and with `split` cuts before every "▁".
///
/// Decoding is the decoder both layouts carry, `Sequence[Replace("▁", " "), ByteFallback,
/// Fuse, Strip(" ", 1, 0)]`: a run of byte tokens is its bytes when they are UTF-8, else
/// one U+FFFD per byte; then the text's first space goes.
public struct SpaceMarker: Sendable, Equatable {
    public enum Prepend: String, Sendable, CaseIterable { case always, first, never }

    /// The legacy normalizer rather than the Metaspace pre-tokenizer.
    public var legacy: Bool
    /// When a "▁" is put in front (Metaspace; the legacy layout always prepends).
    public var prepend: Prepend
    /// Metaspace's `split`: cut the text before every "▁".
    public var split: Bool

    public init(legacy: Bool, prepend: Prepend = .always, split: Bool = false) {
        self.legacy = legacy
        self.prepend = legacy ? .always : prepend
        self.split = legacy ? false : split
    }

    /// The marker itself.
    public static let marker: Character = "\u{2581}"
    static let markerString = String(marker)

    /// The name of the byte token for `byte`: `<0x0A>`.
    static func byteToken(_ byte: UInt8) -> String {
        let hex = String(byte, radix: 16, uppercase: true)
        return "<0x" + (hex.count == 1 ? "0" : "") + hex + ">"
    }

    /// The pieces BPE runs on for the text between added tokens; `atStart` when the text
    /// begins the input.
    func pieces(_ text: String, atStart: Bool) -> [String] {
        guard !text.isEmpty else { return [] }
        var t = text.replacingOccurrences(of: " ", with: Self.markerString)
        let prepends = legacy || prepend == .always || (prepend == .first && atStart)
        if prepends && (legacy || !t.hasPrefix(Self.markerString)) { t = Self.markerString + t }
        guard split else { return [t] }
        var out: [String] = []
        var current = String.UnicodeScalarView()
        for c in t.unicodeScalars {
            if c == "\u{2581}", !current.isEmpty { out.append(String(current)); current = String.UnicodeScalarView() }
            current.append(c)
        }
        if !current.isEmpty { out.append(String(current)) }
        return out
    }

    /// The text of decoded tokens: each either a special token's or a vocabulary token's
    /// text ("▁" already a space) or one fallback byte.
    static func decode(_ parts: [(text: String?, byte: UInt8?)]) -> String {
        var out = ""
        var run: [UInt8] = []
        func flush() {
            guard !run.isEmpty else { return }
            if let s = String(validating: run, as: UTF8.self) { out += s } else { out += String(repeating: "\u{FFFD}", count: run.count) }
            run = []
        }
        for part in parts {
            if let b = part.byte { run.append(b); continue }
            flush()
            out += part.text ?? ""
        }
        flush()
        if out.hasPrefix(" ") { out.removeFirst() }
        return out
    }
}
