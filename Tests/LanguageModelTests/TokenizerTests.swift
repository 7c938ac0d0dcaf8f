import Foundation
import Testing

@testable import LanguageModel

/// SplitMix64 (Steele, Lea & Flood 2014; constants from the reference implementation):
/// a tiny seeded generator so the random inputs are the same on every run.
private struct TestSplitMix64 {
    var state: UInt64

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func below(_ bound: Int) -> Int { Int(next() % UInt64(bound)) }
}

/// A small English-like corpus with the project's chat markup, built deterministically.
private let sampleCorpus: String = {
    let words = [
        "the", "a", "model", "learns", "to", "answer", "questions", "about", "tokens", "and",
        "bytes", "it", "reads", "text", "one", "word", "at", "time", "I'll", "don't", "we're",
        "they've", "she'd", "it's", "Hello", "world", "numbers", "like", "42", "and", "2024",
        "café", "naïve", "日本語", "🙂", "merge", "pairs", "count", "most", "frequent",
    ]
    var random = TestSplitMix64(state: 7)
    var text = ""
    for document in 0..<40 {
        if document % 2 == 0 {
            text += BPETokenizer.SpecialToken.user + "Tell me about tokens?" + BPETokenizer.SpecialToken.endOfTurn
            text += BPETokenizer.SpecialToken.assistant
        }
        for sentence in 0..<12 {
            var parts: [String] = []
            for _ in 0..<(4 + random.below(10)) { parts.append(words[random.below(words.count)]) }
            text += parts.joined(separator: " ") + (sentence % 3 == 0 ? ", then" : ".") + " "
            if sentence % 4 == 3 { text += "\n" }
        }
        text += document % 2 == 0 ? BPETokenizer.SpecialToken.endOfTurn : BPETokenizer.SpecialToken.endOfText
        text += "\n"
    }
    return text
}()

private let trainedTokenizer: BPETokenizer = {
    do {
        return try BPETrainer.train(text: sampleCorpus, vocabularySize: 420)
    } catch {
        fatalError("training the shared test tokenizer failed: \(error)")
    }
}()

private func fixtureURL(_ name: String, _ ext: String) throws -> URL {
    try #require(Bundle.module.url(forResource: name, withExtension: ext, subdirectory: "Fixtures"))
}

/// The fixed text of the fixture with its expected ids and tokens, and further
/// (text, ids) cases: the script's training corpus and a random jumble of tricky characters.
private func expectedFixture() throws -> (
    text: String, ids: [Int32], tokens: [String], more: [(text: String, ids: [Int32])]
) {
    let data = try Data(contentsOf: try fixtureURL("tokenizer_expected", "json"))
    let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    let text = try #require(object["text"] as? String)
    let ids = try #require(object["ids"] as? [Int]).map { Int32($0) }
    let tokens = try #require(object["tokens"] as? [String])
    var more: [(text: String, ids: [Int32])] = []
    for case let item as [String: Any] in try #require(object["more_cases"] as? [Any]) {
        more.append((try #require(item["text"] as? String), try #require(item["ids"] as? [Int]).map { Int32($0) }))
    }
    #expect(more.count == 2)
    return (text, ids, tokens, more)
}

/// Texts that exercise every branch of the pre-tokenizer and the special-token split.
private let tricky: [String] = [
    "",
    "Hello, world!",
    "emoji 🙂🚀 and flags 🇫🇷 and family 👨‍👩‍👧",
    "CJK 日本語のテキスト, 中文, 한국어",
    "combining e\u{0301} a\u{0308}\u{0323} and precomposed é",
    "new\nlines\r\n\ttabs\t\tand   multiple    spaces  ",
    "   leading and trailing   ",
    "contractions: I'll don't they're we've she'd I'm it's 'quoted' ''s",
    "numbers 3.14159 1,000,000 ²³ Ⅻ ٣",
    "special<|endoftext|>mid<|user|>text<|assistant|>with<|end|>tokens<|end|><|end|>",
    "almost special <|end <|endoftext| |> <|unknown|>",
    "\u{00A0}nbsp\u{2003}em space\u{3000}ideographic",
]

@Suite struct TokenizerTests {
    // MARK: - Byte-level table

    @Test func byteLevelTableMatchesGPT2() {
        let scalars = ByteLevel.byteToScalar
        #expect(scalars.count == 256)
        #expect(Set(scalars).count == 256)
        for byte in 0...255 where ByteLevel.isPrintable(UInt8(byte)) {
            #expect(scalars[byte].value == UInt32(byte))
        }
        // Facts of GPT-2's vocabulary: space is "Ġ", newline "Ċ", tab "ĉ", byte 0 is U+0100,
        // and the last non-printable byte (0xAD, soft hyphen) is U+0143.
        #expect(scalars[0x20] == "\u{0120}")
        #expect(scalars[0x0A] == "\u{010A}")
        #expect(scalars[0x09] == "\u{0109}")
        #expect(scalars[0x00] == "\u{0100}")
        #expect(scalars[0xAD] == "\u{0143}")
        let all = (0...255).map { UInt8($0) }
        #expect(ByteLevel.bytes(from: ByteLevel.string(from: all)) == all)
        #expect(ByteLevel.bytes(from: "é\u{0301}") == nil)
    }

    // MARK: - Pre-tokenizer

    @Test func preTokenizerSplitsLikeGPT2() {
        // Expected splits from the tests of Hugging Face tokenizers' ByteLevel pre-tokenizer.
        #expect(PreTokenizer.pieces(of: "Hello my friend, how is your day going?") == [
            "Hello", " my", " friend", ",", " how", " is", " your", " day", " going", "?",
        ])
        #expect(PreTokenizer.pieces(of: "Hello there\nHello there") == ["Hello", " there", "\n", "Hello", " there"])
        #expect(PreTokenizer.pieces(of: "Hello there       dear") == ["Hello", " there", "      ", " dear"])
        #expect(PreTokenizer.pieces(of: "I'll don't they're 'x ''s") == [
            "I", "'ll", " don", "'t", " they", "'re", " '", "x", " ''", "s",
        ])
        #expect(PreTokenizer.pieces(of: "a1b 22 +-! \t\nz  ") == ["a", "1", "b", " 22", " +-!", " \t", "\n", "z", "  "])
        #expect(PreTokenizer.pieces(of: "e\u{0301}t 日本 🙂!") == ["e", "\u{0301}", "t", " 日本", " 🙂!"])
        // Invalid bytes are "other" characters, one byte each.
        #expect(PreTokenizer.pieces(of: [0x61, 0xFF, 0xFE, 0x80, 0x62, 0x20, 0xC3]) == [
            [0x61], [0xFF, 0xFE, 0x80], [0x62], [0x20, 0xC3],
        ])
    }

    @Test func preTokenizerPiecesCoverRandomInput() {
        var random = TestSplitMix64(state: 11)
        for _ in 0..<300 {
            let bytes = (0..<random.below(200)).map { _ in UInt8(truncatingIfNeeded: random.next()) }
            let ranges = PreTokenizer.ranges(in: bytes)
            var position = 0
            for range in ranges {
                #expect(range.lowerBound == position && !range.isEmpty)
                position = range.upperBound
            }
            #expect(position == bytes.count)
        }
    }

    // MARK: - Round trips

    @Test func roundTripsRandomBytes() {
        let tokenizer = trainedTokenizer
        var random = TestSplitMix64(state: 2024)
        let alphabet = Array(sampleCorpus.utf8)
        for trial in 0..<300 {
            let length = random.below(400)
            let bytes: [UInt8] = (0..<length).map { _ in
                // Half the strings are raw random bytes, half are spliced corpus bytes.
                trial % 2 == 0
                    ? UInt8(truncatingIfNeeded: random.next())
                    : alphabet[random.below(alphabet.count)]
            }
            let ids = tokenizer.encode(bytes: bytes)
            #expect(tokenizer.decode(ids) == bytes)
            #expect(ids.allSatisfy { $0 >= 0 && Int($0) < tokenizer.vocabularySize })
        }
    }

    @Test(arguments: tricky)
    func roundTripsText(_ text: String) {
        let tokenizer = trainedTokenizer
        let ids = tokenizer.encode(text)
        #expect(tokenizer.decodeText(ids) == text)
        #expect(tokenizer.decode(ids) == Array(text.utf8))
    }

    @Test func roundTripsInvalidUTF8() {
        let tokenizer = trainedTokenizer
        for bytes: [UInt8] in [[0xFF, 0xFE, 0x80], [0x61, 0xC3], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xE2, 0x82]] {
            #expect(tokenizer.decode(tokenizer.encode(bytes: bytes)) == bytes)
        }
        #expect(tokenizer.decodeText(tokenizer.encode(bytes: [0x61, 0xFF, 0x62])) == "a\u{FFFD}b")
    }

    @Test func specialTokensAreSingleIDs() throws {
        let tokenizer = trainedTokenizer
        for special in BPETokenizer.SpecialToken.all {
            let id = try #require(tokenizer.id(of: special))
            #expect(tokenizer.encode(special) == [id])
            #expect(tokenizer.isSpecial(id))
            #expect(tokenizer.token(for: id) == special)
            let ids = tokenizer.encode("before" + special + "after")
            #expect(ids.filter { $0 == id }.count == 1)
            #expect(ids.filter { tokenizer.isSpecial($0) }.count == 1)
            #expect(tokenizer.decodeText(ids) == "before" + special + "after")
        }
        let end = try #require(tokenizer.id(of: BPETokenizer.SpecialToken.endOfTurn))
        #expect(tokenizer.encode("<|end|><|end|>") == [end, end])
        // Near misses are ordinary text.
        #expect(!tokenizer.encode("<|end <|endoftext| |>").contains { tokenizer.isSpecial($0) })
    }

    @Test func longestSpecialTokenWins() throws {
        let tokenizer = try BPETrainer.train(text: "abc abc", vocabularySize: 258, specialTokens: ["<s>", "<s><s>"])
        let one = try #require(tokenizer.id(of: "<s>"))
        let two = try #require(tokenizer.id(of: "<s><s>"))
        #expect(tokenizer.encode("<s><s><s>") == [two, one])
        #expect(tokenizer.encode("x<s>y").contains(one))
    }

    // MARK: - Training

    @Test func trainedVocabularyHasRequestedSize() {
        let tokenizer = trainedTokenizer
        #expect(tokenizer.vocabularySize == 420)
        #expect(tokenizer.merges.count == 420 - 256 - 4)
        #expect(tokenizer.vocabulary.count == 420 - 4)
        // Bytes first in byte order, then merges, then the special tokens in order.
        #expect(tokenizer.token(for: 0) == "\u{0100}")
        #expect(tokenizer.token(for: 0x41) == "A")
        for (offset, special) in BPETokenizer.SpecialToken.all.enumerated() {
            #expect(tokenizer.id(of: special) == Int32(416 + offset))
        }
        for (rank, merge) in tokenizer.merges.enumerated() {
            #expect(tokenizer.vocabulary[merge.0 + merge.1] == Int32(256 + rank))
            #expect(tokenizer.mergeRank(merge.0, merge.1) == rank)
        }
    }

    @Test func trainingIsDeterministic() throws {
        let first = try BPETrainer.train(text: sampleCorpus, vocabularySize: 420)
        let second = try BPETrainer.train(text: sampleCorpus, vocabularySize: 420)
        #expect(first.merges.map { "\($0.0) \($0.1)" } == second.merges.map { "\($0.0) \($0.1)" })
        #expect(first.vocabulary == second.vocabulary)
        #expect(TokenizerJSON.jsonText(for: first) == TokenizerJSON.jsonText(for: second))
    }

    @Test func trainingMatchesRecordedMerges() throws {
        // Recorded from an earlier run: guards against dependence on the per-process hash
        // seed, which two trainings inside one process could not reveal.
        let tokenizer = try BPETrainer.train(
            text: "the cat sat on the mat; the rat ate the hat. that is that!", vocabularySize: 266,
            specialTokens: [])
        let merges = tokenizer.merges.map { "\($0.0) \($0.1)" }
        #expect(merges == RECORDED_MERGES)
    }

    @Test func encoderReproducesTrainerSegmentation() throws {
        // Every training word, encoded by rank order, must split exactly as the trainer
        // left it after its last merge.
        let bytes = Array(sampleCorpus.utf8)
        var state = BPETrainer.State(words: BPETrainer.countWords(bytes, specialTokens: BPETokenizer.SpecialToken.all))
        state.learn(merges: 420 - 256 - 4, progress: nil)
        let tokenizer = trainedTokenizer
        var merger = WordMerger()
        #expect(state.words.count > 50)
        for word in state.words {
            let wordBytes = word.flatMap { state.tokenBytes[Int($0)] }
            var ids: [Int32] = []
            wordBytes.withUnsafeBufferPointer { buffer in
                merger.encode(buffer, range: 0..<buffer.count, byteToID: tokenizer.byteToID, rules: tokenizer.rules, into: &ids)
            }
            #expect(ids == word)
        }
    }

    @Test func tieBreakPrefersSmallestBytes() throws {
        // All three pairs occur once: (" ", "c") < ("a", "b") < ("c", "d") in byte order;
        // then ("Ġc", "d") beats ("a", "b") because 0x20 < 0x61.
        let tokenizer = try BPETrainer.train(text: "ab cd", vocabularySize: 258, specialTokens: [])
        #expect(tokenizer.merges.map { "\($0.0) \($0.1)" } == ["Ġ c", "Ġc d"])
        #expect(tokenizer.encode(" cd").count == 1)
    }

    @Test func trainingStopsWhenPairsRunOut() throws {
        let tokenizer = try BPETrainer.train(text: "aaaa", vocabularySize: 300, specialTokens: ["<x>"])
        #expect(tokenizer.merges.map { "\($0.0) \($0.1)" } == ["a a", "aa aa"])
        #expect(tokenizer.vocabularySize == 259)
        #expect(tokenizer.id(of: "<x>") == 258)
        #expect(throws: TokenizerError.self) {
            try BPETrainer.train(text: "x", vocabularySize: 100)
        }
    }

    // MARK: - Files

    @Test func saveAndLoadRoundTrip() throws {
        let tokenizer = trainedTokenizer
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("tokenizer-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("tokenizer.json")
        try TokenizerJSON.save(tokenizer, to: url)
        let loaded = try TokenizerJSON.load(contentsOf: url)
        #expect(loaded.vocabularySize == tokenizer.vocabularySize)
        #expect(loaded.specialTokens == tokenizer.specialTokens)
        for text in tricky + [sampleCorpus] {
            #expect(loaded.encode(text) == tokenizer.encode(text))
        }
        // Byte-for-byte stable, with the vocabulary in id order and pair-form merges.
        let saved = try String(contentsOf: url, encoding: .utf8)
        #expect(TokenizerJSON.jsonText(for: loaded) == saved)
        #expect(saved.contains("\"vocab\": {\n      \"\u{0100}\": 0,\n      \"\u{0101}\": 1,"))
        #expect(saved.contains("\"merges\": [\n      [\""))
        #expect(try JSONSerialization.jsonObject(with: Data(saved.utf8)) is [String: Any])
    }

    @Test(arguments: ["tokenizer", "tokenizer_legacy_merges"])
    func matchesIndependentFixture(_ name: String) throws {
        let tokenizer = try TokenizerJSON.load(contentsOf: try fixtureURL(name, "json"))
        let expected = try expectedFixture()
        let ids = tokenizer.encode(expected.text)
        #expect(ids == expected.ids)
        #expect(ids.map { tokenizer.token(for: $0) ?? "?" } == expected.tokens)
        #expect(tokenizer.decodeText(ids) == expected.text)
        for (index, item) in expected.more.enumerated() {
            #expect(tokenizer.encode(item.text) == item.ids, "more_cases[\(index)]")
        }
    }

    @Test func matchesIndependentFixtureInGPT2Files() throws {
        let tokenizer = try TokenizerJSON.loadGPT2(
            vocabulary: try fixtureURL("vocab", "json"), merges: try fixtureURL("merges", "txt"),
            specialTokens: BPETokenizer.SpecialToken.all)
        let expected = try expectedFixture()
        #expect(tokenizer.encode(expected.text) == expected.ids)
        #expect(tokenizer.decodeText(expected.ids) == expected.text)
        for (index, item) in expected.more.enumerated() {
            #expect(tokenizer.encode(item.text) == item.ids, "more_cases[\(index)]")
        }
    }

    // MARK: - Bad files

    private func loadError(_ name: String, _ text: String) throws -> TokenizerError {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("tokenizer-bad-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent(name)
        try Data(text.utf8).write(to: url)
        let error = try #require(throws: TokenizerError.self) { try TokenizerJSON.load(contentsOf: url) }
        #expect(error.file == name)
        #expect(error.localizedDescription.hasPrefix(name + ": "))
        return error
    }

    @Test func rejectsBadTokenizerFiles() throws {
        let good = TokenizerJSON.jsonText(for: trainedTokenizer)
        let unknownMerge = good.replacingOccurrences(
            of: "\"merges\": [\n", with: "\"merges\": [\n      [\"Ġ\", \"☃\"],\n")
        let error = try loadError("unknown_merge.json", unknownMerge)
        #expect(error.problem == .unknownMergeToken(index: 0, merge: "Ġ ☃", token: "☃"))
        #expect(error.localizedDescription.contains("☃"))

        let wordPiece = good.replacingOccurrences(of: "\"type\": \"BPE\"", with: "\"type\": \"WordPiece\"")
        #expect(try loadError("wordpiece.json", wordPiece).problem == .unsupportedModel("WordPiece"))

        let truncated = String(good.prefix(good.count / 2))
        guard case .invalidJSON = try loadError("truncated.json", truncated).problem else {
            Issue.record("truncated JSON should be reported as invalid JSON")
            return
        }

        let noModel = "{\"version\": \"1.0\", \"added_tokens\": []}"
        #expect(try loadError("no_model.json", noModel).problem == .missingField("model"))

        let duplicate = good.replacingOccurrences(of: "\"vocab\": {\n", with: "\"vocab\": {\n      \"☃\": 5,\n")
        guard case .duplicateID(5, _, _) = try loadError("duplicate_id.json", duplicate).problem else {
            Issue.record("a repeated id should be reported")
            return
        }

        let outOfRange = good.replacingOccurrences(of: "\"vocab\": {\n", with: "\"vocab\": {\n      \"☃\": 9999,\n")
        #expect(try loadError("out_of_range.json", outOfRange).problem
            == .idOutOfRange(token: "☃", id: 9999, count: 421))

        let prefixSpace = good.replacingOccurrences(of: "\"add_prefix_space\": false", with: "\"add_prefix_space\": true")
        guard case .unsupportedSetting = try loadError("prefix_space.json", prefixSpace).problem else {
            Issue.record("add_prefix_space should be refused")
            return
        }
    }

    @Test func rejectsBadGPT2Files() throws {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("tokenizer-gpt2-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let vocabulary = try Data(contentsOf: try fixtureURL("vocab", "json"))
        let merges = try String(contentsOf: try fixtureURL("merges", "txt"), encoding: .utf8)
        let vocabularyURL = directory.appendingPathComponent("vocab.json")
        let mergesURL = directory.appendingPathComponent("merges.txt")

        try vocabulary.write(to: vocabularyURL)
        try Data((merges + "Ġ ☃\n").utf8).write(to: mergesURL)
        let unknown = try #require(throws: TokenizerError.self) {
            try TokenizerJSON.loadGPT2(vocabulary: vocabularyURL, merges: mergesURL)
        }
        #expect(unknown.file == "merges.txt")
        #expect(unknown.localizedDescription.hasPrefix("merges.txt: "))

        try Data((merges + "only-one-token\n").utf8).write(to: mergesURL)
        let malformed = try #require(throws: TokenizerError.self) {
            try TokenizerJSON.loadGPT2(vocabulary: vocabularyURL, merges: mergesURL)
        }
        #expect(malformed.file == "merges.txt")

        try Data(merges.utf8).write(to: mergesURL)
        try vocabulary.prefix(vocabulary.count / 2).write(to: vocabularyURL)
        let truncated = try #require(throws: TokenizerError.self) {
            try TokenizerJSON.loadGPT2(vocabulary: vocabularyURL, merges: mergesURL)
        }
        #expect(truncated.file == "vocab.json")
        #expect(truncated.localizedDescription.hasPrefix("vocab.json: "))
    }
}

/// The first merges for the text in `trainingMatchesRecordedMerges` (checked by hand:
/// "a t" occurs 8 times, "t h" 6, "Ġ th" 5, "Ġth e" 3, "Ġth at" 2, then count-1 ties
/// in byte order).
private let RECORDED_MERGES = ["a t", "t h", "Ġ th", "Ġth e", "Ġth at", "Ġ at", "Ġ c", "Ġ h", "Ġ i", "Ġ m"]
