import Foundation
import LanguageModel
import Testing

/// SentencePiece-style BPE (Llama 2's legacy tokenizer.json and the Metaspace layout,
/// both with byte fallback) against the tokenizers library
/// (Fixtures/make_metaspace_tokenizer_fixture.py): ids and decoded text identical.
@Suite struct SentencePieceTokenizerTests {
    struct Expected: Decodable {
        struct Slice: Decodable { let text: Int; let drop: Int; let ids: [Int32]; let decoded: String }
        let texts: [String]
        let ids: [[Int32]]
        let decoded: [String]
        let decoded_with_special: [String]
        let ids_with_special: [[Int32]]
        let slices: [Slice]
    }

    static func load(_ name: String) throws -> (BPETokenizer, Expected) {
        let folder = SafetensorsFixtures.folder.appendingPathComponent(name)
        let tokenizer = try TokenizerJSON.load(contentsOf: folder.appendingPathComponent("tokenizer.json"))
        let expected = try JSONDecoder().decode(Expected.self, from: Data(contentsOf: folder.appendingPathComponent("expected.json")))
        return (tokenizer, expected)
    }

    @Test(arguments: ["tokenizer-llama2", "tokenizer-metaspace"])
    func idsAndTextMatchTheTokenizersLibrary(name: String) throws {
        let (tokenizer, e) = try Self.load(name)
        #expect(tokenizer.spaceMarker?.legacy == (name == "tokenizer-llama2"))
        #expect(e.texts.count == 17)
        for (i, text) in e.texts.enumerated() {
            #expect(tokenizer.encode(text) == e.ids[i], "\(name): \(text.debugDescription)")
            #expect(tokenizer.decodeText(e.ids[i]) == e.decoded[i], "\(name): decode of \(text.debugDescription)")
            // With the BOS the post-processor adds: how "<s>" first changes the strip.
            #expect(tokenizer.decodeText(e.ids_with_special[i]) == e.decoded_with_special[i], "\(name): \(text.debugDescription)")
        }
        for slice in e.slices {
            #expect(tokenizer.decodeText(slice.ids) == slice.decoded, "\(name): text \(slice.text) from token \(slice.drop)")
        }
    }

    /// Written back, the file reads as the same tokenizer.
    @Test(arguments: ["tokenizer-llama2", "tokenizer-metaspace"])
    func savedFilesEncodeTheSame(name: String) throws {
        let (tokenizer, e) = try Self.load(name)
        let again = try TokenizerJSON.load(data: Data(TokenizerJSON.jsonText(for: tokenizer).utf8), fileName: "tokenizer.json")
        #expect(again.spaceMarker == tokenizer.spaceMarker)
        for (i, text) in e.texts.enumerated() { #expect(again.encode(text) == e.ids[i], "\(name): \(text.debugDescription)") }
    }

    @Test func unsupportedSentencePieceSettingsAreRefused() throws {
        let url = SafetensorsFixtures.folder.appendingPathComponent("tokenizer-llama2/tokenizer.json")
        let text = try String(contentsOf: url, encoding: .utf8)
        for (find, replace, message) in [
            ("\"byte_fallback\": true", "\"byte_fallback\": false", "unsupported setting: a SentencePiece-style tokenizer without byte_fallback"),
            ("\"normalized\": false", "\"normalized\": true",
             "unsupported setting: added_tokens[0].normalized = true (<unk>) with a SentencePiece-style normalizer"),
            ("\"<0x41>\"", "\"<0xQQ>\"", "the vocabulary lacks the token \"<0x41>\" for byte 65"),
        ] {
            #expect(text.contains(find))
            let error = #expect(throws: TokenizerError.self) {
                try TokenizerJSON.load(data: Data(text.replacingOccurrences(of: find, with: replace).utf8), fileName: "tokenizer.json")
            }
            #expect(error?.errorDescription == "tokenizer.json: " + message)
        }
    }
}
