import Alignment
import Foundation
import LanguageModel
@testable import Shell
import Testing

/// What export writes for a model in the world's format reads back as the same tokens.
@Suite struct ExportTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The world's format written as a Jinja template (NamedChatTemplate "world") tokenizes every
    /// demonstration exactly as the markers do: prompt, answer, and where the answer starts.
    @Test func theWorldTemplateReadsDemonstrationsAsTheMarkersDo() throws {
        let folder = Self.root.appendingPathComponent("models/sft")
        let tokenizer = try TokenizerJSON.load(contentsOf: folder.appendingPathComponent("tokenizer.json"))
        let templated = try Commands.exportedTokenizer(tokenizer)
        #expect(tokenizer.chatTemplate == nil && templated.chatTemplate != nil)
        let lines = try String(contentsOf: Self.root.appendingPathComponent("datasets/sft.jsonl"), encoding: .utf8).split(separator: "\n")
        for line in lines.prefix(200) {
            let o = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            let (p, c) = (o["prompt"] as! String, o["completion"] as! String)
            let a = ChatExample(prompt: p, response: c, tokenizer: tokenizer), b = ChatExample(prompt: p, response: c, tokenizer: templated)
            #expect(a == b, "\(p) → \(c)")
        }
        #expect(ChatFormat.stopToken(templated) == ChatFormat.stopToken(tokenizer))
    }

    /// YAML numbers as PyYAML reads them back: a mantissa with a dot, the shortest decimal of a Float.
    @Test func numbersAreWrittenAsYAMLReadsThem() {
        #expect(yamlNumber(Float(5e-4)) == "0.0005" && yamlNumber(Float(2e-5)) == "2.0e-05" && yamlNumber(16.0) == "16")
        #expect(yamlNumber(Float(0.1)) == "0.1" && yamlNumber(1e-8) == "1.0e-08")
    }

    /// The model an sft run started from, as export writes it: with adapters only, the frozen
    /// base without them (no copy kept); with every weight training, a copy taken before the first step.
    @Test(arguments: ["lora=4", ""])
    func sftKeepsTheModelItStartedFrom(_ lora: String) throws {
        let session = Session()
        var out = ""
        let runner = Runner(session: session, write: { out += $0 }, writeError: { out += $0 })
        _ = runner.run(TextSource("""
            load model m "\(Self.root.path)/models/sft"
            load model before "\(Self.root.path)/models/sft"
            load data demos "\(Self.root.path)/datasets/sft.jsonl"
            sft m on demos steps=2 batch=4 lr=1e-2 \(lora)
            """, name: nil))
        let record = try #require(session.runs["m"]?.method as? TrainingRecord, Comment(rawValue: out))
        let before = try #require(session.models["before"]?.model), trained = try #require(session.models["m"]?.model)
        #expect(record.start().parameters.array == before.parameters.array)
        #expect(record.start().lora == nil && (record.lora != nil) == !lora.isEmpty)
        #expect(trained.merged().parameters.array != before.parameters.array, "the run changed nothing")
    }

    /// Words in the launch scripts reach the engines as written: plain words bare, $PWD paths expanded, the rest quoted.
    @Test func launchScriptWordsAreLiteral() {
        #expect(shellWord("--actor.adam.lr") == "--actor.adam.lr" && shellWord("data/prompts.jsonl") == "data/prompts.jsonl")
        #expect(shellWord("trainer.logger=[console]") == "'trainer.logger=[console]'")
        #expect(shellWord("it's") == "'it'\\''s'" && shellWord("") == "''")
        #expect(shellWord("critic.model.path=$PWD/critic") == "\"critic.model.path=$PWD/critic\"")
    }
}
