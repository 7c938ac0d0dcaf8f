import Foundation
import LanguageModel
import Testing

/// Llama 3's and Qwen2's pre-tokenizer regexes, by hand, against the
/// `tokenizers` library's own cuts (Fixtures/make_pretokenizer_fixture.py).
@Suite struct PreTokenizerPatternTests {
    struct Expected: Decodable {
        let patterns: [String: String]
        let texts: [String]
        let pieces: [String: [[String]]]
    }

    static func expected() throws -> Expected {
        let url = SafetensorsFixtures.folder.appendingPathComponent("pretokenizer_expected.json")
        return try JSONDecoder().decode(Expected.self, from: Data(contentsOf: url))
    }

    @Test(arguments: [PreTokenizer.Pattern.llama3, .qwen2])
    func piecesMatchTheTokenizersLibrary(pattern: PreTokenizer.Pattern) throws {
        let e = try Self.expected()
        #expect(e.patterns[pattern.rawValue] == pattern.regex, "the fixture was made with the pattern this code implements")
        let expected = try #require(e.pieces[pattern.rawValue])
        #expect(expected.count == e.texts.count && e.texts.count == 30)
        for (text, pieces) in zip(e.texts, expected) {
            #expect(PreTokenizer.pieces(of: text, pattern: pattern) == pieces, "\(pattern) on \(text.debugDescription)")
        }
    }

    @Test func piecesCoverTheInputExactly() {
        let text = "It's 2024!\r\n\n  Ünïcödé\t\t 12345 ?? 'LL x"
        for pattern in PreTokenizer.Pattern.allCases {
            #expect(PreTokenizer.pieces(of: text, pattern: pattern).joined() == text)
        }
    }
}

/// Llama 3's and Qwen2's tokenizer.json layouts, built by the `tokenizers`
/// library (Fixtures/make_llama_tokenizer_fixture.py): the same ids for the
/// same texts, and the same again after a save and a load here.
@Suite struct LlamaTokenizerTests {
    struct Expected: Decodable { let texts: [String]; let ids: [[Int32]] }

    @Test(arguments: ["llama3", "qwen2", "digits"])
    func idsMatchTheTokenizersLibrary(name: String) throws {
        let folder = SafetensorsFixtures.folder.appendingPathComponent("tokenizer-" + name)
        let tokenizer = try TokenizerJSON.load(contentsOf: folder.appendingPathComponent("tokenizer.json"))
        #expect(tokenizer.pattern.rawValue == name)
        #expect(tokenizer.ignoreMerges == (name == "llama3") && tokenizer.composesText == (name == "qwen2"))
        let e = try JSONDecoder().decode(Expected.self, from: Data(contentsOf: folder.appendingPathComponent("expected.json")))
        #expect(e.texts.count == 8 && e.ids.count == 8)
        let dir = try SafetensorsFixtures.makeDirectory()
        defer { SafetensorsFixtures.removeDirectory(dir) }
        try TokenizerJSON.save(tokenizer, to: dir.appendingPathComponent("tokenizer.json"))
        let again = try TokenizerJSON.load(contentsOf: dir.appendingPathComponent("tokenizer.json"))
        for (text, ids) in zip(e.texts, e.ids) {
            #expect(tokenizer.encode(text) == ids, "\(name) on \(text.debugDescription)")
            #expect(again.encode(text) == ids, "\(name) after a save, on \(text.debugDescription)")
        }
    }
}
