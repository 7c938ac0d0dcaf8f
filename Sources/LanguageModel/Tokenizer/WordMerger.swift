/// Applies BPE merges inside one pre-tokenized word.
///
/// The word starts as one symbol per byte. Repeatedly, the adjacent pair with the lowest
/// merge rank is merged; among equal ranks (the same pair occurring several times) the
/// leftmost goes first, so occurrences are merged left to right without overlap. This is
/// GPT-2's `bpe()` rule (OpenAI `encoder.py`): for merge lists in which every merge's
/// tokens were made by earlier merges, as trained lists are, the result is the same.
///
/// Symbols live in a linked list over the byte positions, and candidate merges in a
/// min-heap keyed by `(rank, position)`, so a word of n bytes costs O(n log n) even when
/// it is very long. A merger keeps its buffers between words to avoid allocations.
struct WordMerger {
    /// What merging a pair gives: its rank (priority; lower first) and the new token's id.
    struct Rule: Sendable {
        /// The merge's position in the merge list.
        let rank: Int32
        /// The id of the merged token.
        let result: Int32
    }

    /// The dictionary key of an ordered pair of token ids.
    @inline(__always)
    static func key(_ left: Int32, _ right: Int32) -> UInt64 {
        (UInt64(UInt32(bitPattern: left)) << 32) | UInt64(UInt32(bitPattern: right))
    }

    private var ids: [Int32] = []
    private var next: [Int32] = []
    private var previous: [Int32] = []
    private var alive: [Bool] = []
    private var heap = BinaryHeap<UInt64>()

    /// Creates a merger with empty buffers.
    init() {}

    /// Appends to `output` the token ids of the word `buffer[range]`.
    ///
    /// - Parameters:
    ///   - byteToID: the id of each single-byte token.
    ///   - rules: merge rules keyed by `WordMerger.key(left, right)`.
    mutating func encode(
        _ buffer: UnsafeBufferPointer<UInt8>, range: Range<Int>,
        byteToID: [Int32], rules: [UInt64: Rule], into output: inout [Int32]
    ) {
        let count = range.count
        if count == 0 { return }
        if count == 1 {
            output.append(byteToID[Int(buffer[range.lowerBound])])
            return
        }
        ids.removeAll(keepingCapacity: true)
        for offset in 0..<count { ids.append(byteToID[Int(buffer[range.lowerBound + offset])]) }
        mergeLoaded(rules: rules, into: &output)
    }

    /// Appends to `output` the token ids of a word given as its first symbols' ids
    /// (SentencePiece-style tokenizers start from characters, not bytes).
    mutating func encode(symbols: [Int32], rules: [UInt64: Rule], into output: inout [Int32]) {
        guard symbols.count > 1 else { output.append(contentsOf: symbols); return }
        ids.removeAll(keepingCapacity: true)
        ids.append(contentsOf: symbols)
        mergeLoaded(rules: rules, into: &output)
    }

    /// Merges the symbols in `ids` (two or more) and appends the result to `output`.
    private mutating func mergeLoaded(rules: [UInt64: Rule], into output: inout [Int32]) {
        let count = ids.count
        next.removeAll(keepingCapacity: true)
        previous.removeAll(keepingCapacity: true)
        alive.removeAll(keepingCapacity: true)
        heap.removeAll()
        for offset in 0..<count {
            next.append(offset + 1 < count ? Int32(offset + 1) : -1)
            previous.append(Int32(offset - 1))
            alive.append(true)
        }
        // Heap entries are rank << 32 | position: integer order is (rank, position) order.
        for position in 0..<(count - 1) {
            if let rule = rules[Self.key(ids[position], ids[position + 1])] {
                heap.push(Self.entry(rule.rank, position), by: <)
            }
        }
        while let entry = heap.pop(by: <) {
            let rank = Int32(truncatingIfNeeded: entry >> 32)
            let position = Int(entry & 0xFFFF_FFFF)
            // Skip entries made stale by earlier merges: the left symbol was absorbed, or
            // the pair at this position is no longer the one this entry was made for.
            guard alive[position] else { continue }
            let right = Int(next[position])
            guard right >= 0, let rule = rules[Self.key(ids[position], ids[right])],
                rule.rank == rank
            else { continue }

            ids[position] = rule.result
            alive[right] = false
            let afterRight = next[right]
            next[position] = afterRight
            if afterRight >= 0 { previous[Int(afterRight)] = Int32(position) }

            let before = Int(previous[position])
            if before >= 0, let left = rules[Self.key(ids[before], ids[position])] {
                heap.push(Self.entry(left.rank, before), by: <)
            }
            if afterRight >= 0, let after = rules[Self.key(ids[position], ids[Int(afterRight)])] {
                heap.push(Self.entry(after.rank, position), by: <)
            }
        }
        // Position 0 is never absorbed: merged symbols keep their left position.
        var position = 0
        while position >= 0 {
            output.append(ids[position])
            position = Int(next[position])
        }
    }

    @inline(__always)
    private static func entry(_ rank: Int32, _ position: Int) -> UInt64 {
        (UInt64(UInt32(bitPattern: rank)) << 32) | UInt64(position)
    }
}
