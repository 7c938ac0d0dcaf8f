/// Learns a byte-level BPE tokenizer from a text.
///
/// Ids: 0...255 are the byte tokens in byte order (id b is the byte-level character of
/// byte b), then one id per learned merge in the order learned, then the special tokens
/// in the order given. `vocabularySize` counts all three, so
/// `merges = vocabularySize - 256 - specialTokens.count` unless the text runs out of pairs.
///
/// Training: the text is cut at special tokens (which are not learned from), split by
/// the GPT-2 ``PreTokenizer``, and the distinct words are counted. Then, repeatedly, the
/// adjacent pair of tokens with the highest count over all words (weighted by word
/// frequency) is merged everywhere, left to right without overlap.
///
/// Tie-break rule: among pairs with the same count, the pair whose left token's bytes come
/// first in lexicographic byte order wins, and if the left tokens are equal, the one whose
/// right token's bytes come first (bytes compared as unsigned values; a prefix comes before
/// a longer sequence). A pair whose concatenation is already a token (e.g. `a`+`bc` when
/// `ab`+`c` made `abc`) is never merged, so every merge makes a new token.
///
/// Counts are updated incrementally: a pair -> words index finds the words a merge
/// touches, and a lazily updated max-heap finds the best pair. The result depends only
/// on the input (no hash-order dependence), so it is identical across runs and machines.
public struct BPETrainer: Sendable {
    /// The total number of ids wanted: 256 bytes + merges + special tokens.
    public var vocabularySize: Int
    /// The special tokens, given the last ids in this order.
    public var specialTokens: [String]

    /// Creates a trainer.
    public init(vocabularySize: Int, specialTokens: [String] = BPETokenizer.SpecialToken.all) {
        self.vocabularySize = vocabularySize
        self.specialTokens = specialTokens
    }

    /// Trains on a text; see ``BPETrainer`` for the rules.
    public static func train(
        text: String, vocabularySize: Int,
        specialTokens: [String] = BPETokenizer.SpecialToken.all
    ) throws -> BPETokenizer {
        try BPETrainer(vocabularySize: vocabularySize, specialTokens: specialTokens)
            .train(bytes: Array(text.utf8))
    }

    /// Trains on a text; see ``BPETrainer`` for the rules.
    public func train(text: String) throws -> BPETokenizer {
        try train(bytes: Array(text.utf8))
    }

    /// Trains on raw bytes (need not be valid UTF-8).
    ///
    /// - Parameter progress: called after each merge with (merges done, merges wanted).
    /// - Throws: ``TokenizerError`` when `vocabularySize < 256 + specialTokens.count` or a
    ///   special token is empty or repeated.
    public func train(
        bytes: [UInt8], progress: ((_ done: Int, _ wanted: Int) -> Void)? = nil
    ) throws -> BPETokenizer {
        var seen = Set<String>()
        for token in specialTokens {
            if token.isEmpty { throw TokenizerError(.emptySpecialToken) }
            if !seen.insert(token).inserted { throw TokenizerError(.duplicateSpecialToken(token)) }
        }
        let minimum = 256 + specialTokens.count
        guard vocabularySize >= minimum else {
            throw TokenizerError(.vocabularySizeTooSmall(requested: vocabularySize, minimum: minimum))
        }
        let wantedMerges = vocabularySize - minimum

        var state = State(words: Self.countWords(bytes, specialTokens: specialTokens))
        state.learn(merges: wantedMerges, progress: progress)

        var vocabulary: [String: Int32] = [:]
        for (id, bytes) in state.tokenBytes.enumerated() {
            vocabulary[ByteLevel.string(from: bytes)] = Int32(id)
        }
        let merges = state.merges.map { left, right in
            (ByteLevel.string(from: state.tokenBytes[Int(left)]),
             ByteLevel.string(from: state.tokenBytes[Int(right)]))
        }
        var specials: [String: Int32] = [:]
        for (offset, token) in specialTokens.enumerated() {
            specials[token] = Int32(state.tokenBytes.count + offset)
        }
        return try BPETokenizer(vocabulary: vocabulary, merges: merges, specialTokens: specials)
    }

    /// The distinct pre-tokenized words of the text and their counts, sorted by bytes.
    static func countWords(_ bytes: [UInt8], specialTokens: [String]) -> [(word: [UInt8], count: Int)] {
        let splitter = SpecialTokenSplitter(specialTokens.map { ($0, Int32(0)) })
        var counts: [ArraySlice<UInt8>: Int] = [:]
        bytes.withUnsafeBufferPointer { buffer in
            splitter.forEachSegment(in: buffer) { segment in
                guard case .text(let range) = segment else { return }
                PreTokenizer.forEachPiece(in: buffer, range: range) { piece in
                    counts[bytes[piece], default: 0] += 1
                }
            }
        }
        // Sorting fixes the word order, whatever order the dictionary yields.
        return counts.map { (Array($0.key), $0.value) }
            .sorted { $0.word.lexicographicallyPrecedes($1.word) }
    }

    /// The mutable state of one training run.
    struct State {
        /// A pair and the count it had when pushed on the heap.
        struct Candidate {
            let count: Int
            let key: UInt64
        }

        /// Each word as token ids, and how often it occurs.
        var words: [[Int32]]
        var wordCounts: [Int]
        /// The bytes of each token id (the ids made so far).
        var tokenBytes: [[UInt8]]
        /// All token byte strings, to refuse merges that would duplicate a token.
        var knownTokens: Set<[UInt8]>
        /// The learned merges as (left id, right id).
        var merges: [(Int32, Int32)] = []
        /// Current count of each adjacent pair over all words (weighted).
        var pairCounts: [UInt64: Int] = [:]
        /// The words (indices, ascending, maybe stale) in which each pair occurs.
        var pairWords: [UInt64: [Int32]] = [:]
        /// Pairs never to merge (their concatenation already is a token).
        var refused: Set<UInt64> = []
        var heap = BinaryHeap<Candidate>()

        init(words: [(word: [UInt8], count: Int)]) {
            tokenBytes = (0...255).map { [UInt8($0)] }
            knownTokens = Set(tokenBytes)
            // Single-byte words have no pairs and cannot change: leave them out.
            let useful = words.filter { $0.word.count > 1 }
            self.words = useful.map { $0.word.map { Int32($0) } }
            wordCounts = useful.map(\.count)
            for (index, word) in self.words.enumerated() {
                for position in 0..<(word.count - 1) {
                    let key = WordMerger.key(word[position], word[position + 1])
                    pairCounts[key, default: 0] += wordCounts[index]
                    if pairWords[key]?.last != Int32(index) {
                        pairWords[key, default: []].append(Int32(index))
                    }
                }
            }
            for key in pairCounts.keys.sorted() {
                push(Candidate(count: pairCounts[key]!, key: key))
            }
        }

        /// Whether `a` should be merged before `b`: higher count, then the tie-break rule.
        static func precedes(_ a: Candidate, _ b: Candidate, _ tokenBytes: [[UInt8]]) -> Bool {
            if a.count != b.count { return a.count > b.count }
            let aLeft = tokenBytes[Int(a.key >> 32)], bLeft = tokenBytes[Int(b.key >> 32)]
            if aLeft != bLeft { return aLeft.lexicographicallyPrecedes(bLeft) }
            let aRight = tokenBytes[Int(a.key & 0xFFFF_FFFF)]
            let bRight = tokenBytes[Int(b.key & 0xFFFF_FFFF)]
            return aRight.lexicographicallyPrecedes(bRight)
        }

        mutating func push(_ candidate: Candidate) {
            let tokens = tokenBytes
            heap.push(candidate) { Self.precedes($0, $1, tokens) }
        }

        mutating func popBest() -> Candidate? {
            let tokens = tokenBytes
            return heap.pop { Self.precedes($0, $1, tokens) }
        }

        /// Learns up to `wanted` merges (fewer if the words run out of pairs).
        mutating func learn(merges wanted: Int, progress: ((Int, Int) -> Void)?) {
            while merges.count < wanted, let top = popBest() {
                let current = pairCounts[top.key] ?? 0
                if current <= 0 || refused.contains(top.key) { continue }
                if current != top.count {
                    // Stale: the count fell since the push. Requeue with the true count.
                    push(Candidate(count: current, key: top.key))
                    continue
                }
                let left = Int32(truncatingIfNeeded: top.key >> 32)
                let right = Int32(truncatingIfNeeded: top.key & 0xFFFF_FFFF)
                let merged = tokenBytes[Int(left)] + tokenBytes[Int(right)]
                if knownTokens.contains(merged) {
                    refused.insert(top.key)
                    continue
                }
                apply(left: left, right: right, makes: merged)
                progress?(merges.count, wanted)
            }
        }

        /// Merges the pair everywhere, as a new token, and updates the counts.
        mutating func apply(left: Int32, right: Int32, makes bytes: [UInt8]) {
            let newID = Int32(tokenBytes.count)
            tokenBytes.append(bytes)
            knownTokens.insert(bytes)
            merges.append((left, right))
            let mergedKey = WordMerger.key(left, right)

            var deltas: [UInt64: Int] = [:]
            let occurrences = pairWords.removeValue(forKey: mergedKey) ?? []
            var previousIndex: Int32 = -1
            for index in occurrences where index != previousIndex {
                previousIndex = index
                let word = words[Int(index)]
                var rewritten: [Int32] = []
                rewritten.reserveCapacity(word.count)
                var position = 0
                while position < word.count {
                    if position + 1 < word.count, word[position] == left, word[position + 1] == right {
                        rewritten.append(newID)
                        position += 2
                    } else {
                        rewritten.append(word[position])
                        position += 1
                    }
                }
                if rewritten.count == word.count { continue }  // stale index entry
                let count = wordCounts[Int(index)]
                for position in 0..<(word.count - 1) {
                    deltas[WordMerger.key(word[position], word[position + 1]), default: 0] -= count
                }
                for position in 0..<max(0, rewritten.count - 1) {
                    let a = rewritten[position], b = rewritten[position + 1]
                    let key = WordMerger.key(a, b)
                    deltas[key, default: 0] += count
                    if a == newID || b == newID, pairWords[key]?.last != index {
                        pairWords[key, default: []].append(index)
                    }
                }
                words[Int(index)] = rewritten
            }

            // Additions commute, so the dictionary's order does not matter here; pushes
            // are made in sorted key order anyway.
            var increased: [UInt64] = []
            for (key, delta) in deltas where delta != 0 {
                let updated = (pairCounts[key] ?? 0) + delta
                if updated > 0 {
                    pairCounts[key] = updated
                } else {
                    pairCounts.removeValue(forKey: key)
                    pairWords.removeValue(forKey: key)
                }
                if delta > 0 { increased.append(key) }
            }
            pairCounts.removeValue(forKey: mergedKey)
            for key in increased.sorted() where !refused.contains(key) {
                if let count = pairCounts[key] { push(Candidate(count: count, key: key)) }
            }
        }
    }
}
