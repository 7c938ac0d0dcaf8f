import Foundation

/// A byte-level BPE tokenizer in the style of GPT-2.
///
/// Encoding: the input bytes are first cut at exact occurrences of special tokens
/// (longest first), which become their single ids; the remaining text is split by GPT-2's
/// ``PreTokenizer``, and inside each piece the bytes are merged by the ranked `merges`
/// (see `WordMerger`). Any byte sequence can be encoded, since every byte has a token, and
/// `decode(encode(bytes: b)) == b` for every `b` (byte-level; a SentencePiece-style
/// tokenizer, ``SpaceMarker``, drops the text's first space as its decoder does).
///
/// Token strings are byte-level strings (see ``ByteLevel``): `"Ġthe"` is the bytes of
/// `" the"`. Ids must be dense: `0..<vocabularySize` are all used.
///
/// Instances are immutable and `Sendable`. Each `encode` call keeps its own cache of
/// already encoded words, so encoding a large text in one call is fast.
public final class BPETokenizer: Sendable {
    /// The special tokens of the project (the contents used in text and files).
    public enum SpecialToken {
        /// Ends a document.
        public static let endOfText = "<|endoftext|>"
        /// Starts a user turn in a chat.
        public static let user = "<|user|>"
        /// Starts an assistant turn in a chat.
        public static let assistant = "<|assistant|>"
        /// Ends a turn in a chat.
        public static let endOfTurn = "<|end|>"
        /// All of them, in the order the trainer gives them ids.
        public static let all: [String] = [endOfText, user, assistant, endOfTurn]
    }

    /// The BPE tokens (byte-level strings) and their ids. It may also contain special tokens,
    /// as GPT-2's `vocab.json` holds `<|endoftext|>`.
    public let vocabulary: [String: Int32]
    /// The merges, the rank of a merge being its index (lower ranks merge first).
    public let merges: [(String, String)]
    /// The tokens that are never split, by content, and their ids.
    public let specialTokens: [String: Int32]
    /// The number of ids: every id is in `0..<vocabularySize`.
    public let vocabularySize: Int
    /// The pre-tokenizer's pattern: GPT-2's, or Llama 3's or Qwen2's `Split` regex.
    public let pattern: PreTokenizer.Pattern
    /// Llama 3's `ignore_merges`: a piece that is a token as a whole is that token, unmerged.
    public let ignoreMerges: Bool
    /// Qwen2's NFC normalizer: text is composed (Unicode NFC) before it is encoded.
    public let composesText: Bool
    /// SentencePiece-style ("▁" for spaces, characters as symbols, byte fallback), as
    /// Llama 2's tokenizer.json; nil for byte-level BPE.
    public let spaceMarker: SpaceMarker?
    /// The model's chat template (tokenizer_config.json's `chat_template`), if it has one.
    public let chatTemplate: ChatTemplate?
    /// The token that ends an assistant's turn, where sampling stops: the chat
    /// template's (``ChatTemplate/turnEnd(encodingWith:)``, found once), else the
    /// world's `<|end|>`; nil when there is neither.
    public let turnEnd: Int32?

    /// The token string of each id (the content for special tokens).
    private let tokens: [String]
    /// The bytes each id decodes to.
    private let tokenBytes: [[UInt8]]
    /// Whether each id is a special token.
    private let specialFlags: [Bool]
    /// The id of each single-byte token (byte-level), or of each `<0xXX>` fallback token.
    let byteToID: [Int32]
    /// The byte each id falls back to, or -1 (SentencePiece-style only; empty otherwise).
    private let fallbackByte: [Int16]
    /// The merges keyed by `WordMerger.key(left, right)`.
    let rules: [UInt64: WordMerger.Rule]
    /// Finds the special tokens in input bytes.
    let splitter: SpecialTokenSplitter

    /// Creates a tokenizer, checking that the parts fit together.
    ///
    /// - Throws: ``TokenizerError`` when an id is negative, repeated or leaves a gap; a byte
    ///   token is missing; a merge names an unknown token or makes a token that is not in
    ///   the vocabulary; a pair is merged twice; or a special token is empty or has
    ///   another id in `vocabulary`.
    public init(
        vocabulary: [String: Int32], merges: [(String, String)], specialTokens: [String: Int32],
        pattern: PreTokenizer.Pattern = .gpt2, ignoreMerges: Bool = false, composesText: Bool = false,
        spaceMarker: SpaceMarker? = nil
    ) throws {
        // Validate in a fixed order (sorted), so the error reported never depends on
        // dictionary iteration order.
        var entries: [(id: Int32, token: String, special: Bool)] = []
        entries.reserveCapacity(vocabulary.count + specialTokens.count)
        for (token, id) in vocabulary { entries.append((id, token, false)) }
        let sortedSpecials = specialTokens.sorted { ($0.value, $0.key) < ($1.value, $1.key) }
        for (token, id) in sortedSpecials {
            if token.isEmpty { throw TokenizerError(.emptySpecialToken) }
            if let vocabularyID = vocabulary[token] {
                guard vocabularyID == id else {
                    throw TokenizerError(
                        .conflictingSpecialToken(
                            token: token, specialID: Int(id), vocabularyID: Int(vocabularyID)))
                }
                continue
            }
            entries.append((id, token, true))
        }
        entries.sort { ($0.id, $0.token) < ($1.id, $1.token) }
        for (index, entry) in entries.enumerated() {
            if index > 0, entries[index - 1].id == entry.id {
                throw TokenizerError(
                    .duplicateID(id: Int(entry.id), first: entries[index - 1].token, second: entry.token))
            }
        }
        for (index, entry) in entries.enumerated() where Int(entry.id) != index {
            // Sorted, distinct ids differ from their index only if one is negative or a gap exists.
            throw TokenizerError(.idOutOfRange(token: entry.token, id: Int(entry.id), count: entries.count))
        }

        var byteToID: [Int32] = []
        byteToID.reserveCapacity(256)
        for byte in 0...255 {
            let token = spaceMarker == nil ? String(Character(ByteLevel.scalar(for: UInt8(byte)))) : SpaceMarker.byteToken(UInt8(byte))
            guard let id = vocabulary[token] else {
                throw TokenizerError(.missingByteToken(byte: UInt8(byte), token: token))
            }
            byteToID.append(id)
        }

        var rules: [UInt64: WordMerger.Rule] = [:]
        rules.reserveCapacity(merges.count)
        for (rank, (left, right)) in merges.enumerated() {
            let text = "\(left) \(right)"
            guard let leftID = vocabulary[left] else {
                throw TokenizerError(.unknownMergeToken(index: rank, merge: text, token: left))
            }
            guard let rightID = vocabulary[right] else {
                throw TokenizerError(.unknownMergeToken(index: rank, merge: text, token: right))
            }
            guard let resultID = vocabulary[left + right] else {
                throw TokenizerError(
                    .mergeResultNotInVocabulary(index: rank, merge: text, result: left + right))
            }
            let key = WordMerger.key(leftID, rightID)
            guard rules[key] == nil else {
                throw TokenizerError(.duplicateMerge(index: rank, merge: text))
            }
            rules[key] = WordMerger.Rule(rank: Int32(rank), result: resultID)
        }

        var tokens: [String] = []
        var tokenBytes: [[UInt8]] = []
        var specialFlags: [Bool] = []
        tokens.reserveCapacity(entries.count)
        tokenBytes.reserveCapacity(entries.count)
        specialFlags.reserveCapacity(entries.count)
        for entry in entries {
            let isSpecial = entry.special || specialTokens[entry.token] != nil
            tokens.append(entry.token)
            specialFlags.append(isSpecial)
            if isSpecial {
                tokenBytes.append(Array(entry.token.utf8))
            } else if spaceMarker != nil {
                tokenBytes.append(Array(entry.token.replacingOccurrences(of: SpaceMarker.markerString, with: " ").utf8))
            } else {
                // Like the ByteLevel decoder of Hugging Face `tokenizers`: a token with a
                // character outside the byte alphabet decodes to its own UTF-8.
                tokenBytes.append(ByteLevel.bytes(from: entry.token) ?? Array(entry.token.utf8))
            }
        }

        var fallbackByte: [Int16] = []
        if spaceMarker != nil {
            fallbackByte = Array(repeating: -1, count: entries.count)
            for (byte, id) in byteToID.enumerated() { fallbackByte[Int(id)] = Int16(byte) }
        }
        self.fallbackByte = fallbackByte
        self.spaceMarker = spaceMarker
        self.pattern = pattern
        self.ignoreMerges = ignoreMerges
        self.composesText = composesText
        self.vocabulary = vocabulary
        self.merges = merges
        self.specialTokens = specialTokens
        self.vocabularySize = entries.count
        self.tokens = tokens
        self.tokenBytes = tokenBytes
        self.specialFlags = specialFlags
        self.byteToID = byteToID
        self.rules = rules
        self.splitter = SpecialTokenSplitter(specialTokens.map { ($0.key, $0.value) })
        self.chatTemplate = nil
        self.turnEnd = specialTokens[SpecialToken.endOfTurn]
    }

    /// The same tokenizer with `template` as its chat template (nil: none).
    public func withChatTemplate(_ template: ChatTemplate?) -> BPETokenizer {
        BPETokenizer(copying: self, chatTemplate: template)
    }

    private init(copying other: BPETokenizer, chatTemplate: ChatTemplate?) {
        pattern = other.pattern
        spaceMarker = other.spaceMarker
        fallbackByte = other.fallbackByte
        ignoreMerges = other.ignoreMerges
        composesText = other.composesText
        vocabulary = other.vocabulary
        merges = other.merges
        specialTokens = other.specialTokens
        vocabularySize = other.vocabularySize
        tokens = other.tokens
        tokenBytes = other.tokenBytes
        specialFlags = other.specialFlags
        byteToID = other.byteToID
        rules = other.rules
        splitter = other.splitter
        self.chatTemplate = chatTemplate
        // The same vocabulary encodes alike, so the template's turn end is found with `other`.
        turnEnd = chatTemplate.map { $0.turnEnd(encodingWith: other) } ?? other.specialTokens[SpecialToken.endOfTurn]
    }

    // MARK: - Encoding

    /// The ids of the UTF-8 bytes of `text`.
    public func encode(_ text: String) -> [Int32] {
        encode(bytes: Array((composesText ? text.precomposedStringWithCanonicalMapping : text).utf8))
    }

    /// The ids of arbitrary bytes (valid UTF-8 or not; SentencePiece-style tokenizers read
    /// invalid UTF-8 as U+FFFD).
    public func encode(bytes: [UInt8]) -> [Int32] {
        if let spaceMarker { return encodeSentencePiece(bytes, spaceMarker) }
        var output: [Int32] = []
        output.reserveCapacity(bytes.count / 3 + 1)
        var cache: [[UInt8]: [Int32]] = [:]
        var merger = WordMerger()
        var wordIDs: [Int32] = []
        bytes.withUnsafeBufferPointer { buffer in
            splitter.forEachSegment(in: buffer) { segment in
                switch segment {
                case .special(let id):
                    output.append(id)
                case .text(let range):
                    PreTokenizer.forEachPiece(in: buffer, range: range, pattern: pattern) { piece in
                        if piece.count == 1 {
                            output.append(byteToID[Int(buffer[piece.lowerBound])])
                            return
                        }
                        let word = Array(buffer[piece])
                        if let cached = cache[word] {
                            output.append(contentsOf: cached)
                            return
                        }
                        if ignoreMerges, let id = vocabulary[ByteLevel.string(from: word)] {
                            cache[word] = [id]
                            output.append(id)
                            return
                        }
                        wordIDs.removeAll(keepingCapacity: true)
                        merger.encode(buffer, range: piece, byteToID: byteToID, rules: rules, into: &wordIDs)
                        cache[word] = wordIDs
                        output.append(contentsOf: wordIDs)
                    }
                }
            }
        }
        return output
    }

    /// SentencePiece-style encoding (see ``SpaceMarker``): added tokens cut out first,
    /// then each piece's characters (or their fallback bytes) merged by rank.
    private func encodeSentencePiece(_ bytes: [UInt8], _ marker: SpaceMarker) -> [Int32] {
        var output: [Int32] = []
        var merger = WordMerger()
        var symbols: [Int32] = []
        bytes.withUnsafeBufferPointer { buffer in
            splitter.forEachSegment(in: buffer) { segment in
                switch segment {
                case .special(let id):
                    output.append(id)
                case .text(let range):
                    let text = String(decoding: buffer[range], as: UTF8.self)
                    for piece in marker.pieces(text, atStart: range.lowerBound == 0) {
                        symbols.removeAll(keepingCapacity: true)
                        for scalar in piece.unicodeScalars {
                            if let id = vocabulary[String(scalar)] {
                                symbols.append(id)
                            } else {
                                symbols.append(contentsOf: String(scalar).utf8.map { byteToID[Int($0)] })
                            }
                        }
                        merger.encode(symbols: symbols, rules: rules, into: &output)
                    }
                }
            }
        }
        return output
    }

    // MARK: - Decoding

    /// The bytes of a sequence of ids (ids outside `0..<vocabularySize` are skipped).
    /// SentencePiece-style tokenizers decode as their tokenizer.json's decoder does (see
    /// ``SpaceMarker``), so the first space of the text is dropped.
    public func decode(_ ids: [Int32]) -> [UInt8] {
        if spaceMarker != nil {
            let parts = ids.filter { $0 >= 0 && Int($0) < tokenBytes.count }.map { id -> (text: String?, byte: UInt8?) in
                let byte = fallbackByte[Int(id)]
                return byte >= 0 ? (nil, UInt8(byte)) : (String(decoding: tokenBytes[Int(id)], as: UTF8.self), nil)
            }
            return Array(SpaceMarker.decode(parts).utf8)
        }
        var output: [UInt8] = []
        output.reserveCapacity(ids.count * 4)
        for id in ids where id >= 0 && Int(id) < tokenBytes.count {
            output.append(contentsOf: tokenBytes[Int(id)])
        }
        return output
    }

    /// The text of a sequence of ids; invalid UTF-8 is replaced by U+FFFD.
    public func decodeText(_ ids: [Int32]) -> String {
        String(decoding: decode(ids), as: UTF8.self)
    }

    // MARK: - Lookup

    /// The token string of an id, as stored in the vocabulary (byte-level, e.g. `"Ġthe"`),
    /// or the content of a special token; `nil` for an unknown id.
    public func token(for id: Int32) -> String? {
        guard id >= 0, Int(id) < tokens.count else { return nil }
        return tokens[Int(id)]
    }

    /// The raw bytes an id stands for, or `nil` for an unknown id.
    public func bytes(for id: Int32) -> [UInt8]? {
        guard id >= 0, Int(id) < tokenBytes.count else { return nil }
        return tokenBytes[Int(id)]
    }

    /// The id of a special token, or `nil` if it is not one.
    public func id(of special: String) -> Int32? {
        specialTokens[special]
    }

    /// Whether an id is a special token.
    public func isSpecial(_ id: Int32) -> Bool {
        id >= 0 && Int(id) < specialFlags.count && specialFlags[Int(id)]
    }

    /// The rank of the merge of two token strings, or `nil` if they are never merged.
    public func mergeRank(_ left: String, _ right: String) -> Int? {
        guard let leftID = vocabulary[left], let rightID = vocabulary[right] else { return nil }
        return rules[WordMerger.key(leftID, rightID)].map { Int($0.rank) }
    }
}
