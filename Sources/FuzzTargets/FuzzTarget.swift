import Datasets
import Files
import Foundation
import LanguageModel
import Shell

/// One reader of outside input to fuzz: its seeds (real inputs from the repository),
/// a dictionary of its language's tokens, and what one input runs. `run` may throw
/// (a clear refusal is the expected outcome); it must never crash or hang.
public struct FuzzTarget {
    public let name: String
    public let seeds: [[UInt8]]
    public let dictionary: [[UInt8]]
    public let run: ([UInt8]) throws -> Void

    /// The target called `name`, its seeds read from the repository at `root`, its
    /// files written under `scratch`.
    public static func named(_ name: String, root: URL, scratch: URL) throws -> FuzzTarget {
        func file(_ path: String) throws -> [UInt8] { Array(try Data(contentsOf: root.appendingPathComponent(path))) }
        func lines(_ path: String, first: Int) throws -> [[UInt8]] {
            Array(String(decoding: try file(path), as: UTF8.self).split(separator: "\n").prefix(first).map { Array($0.utf8) })
        }
        func words(_ list: [String]) -> [[UInt8]] { list.map { Array($0.utf8) } }
        let fixtures = "Tests/LanguageModelTests/Fixtures/"
        switch name {
        case "lexer":
            // Command lines as people type them, tokenized and matched to a command (never run).
            let scripts = try FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent("Tests/ShellTests/Transcripts").path)
                .filter { $0.hasSuffix(".rlhf") }.sorted()
            let seeds = try scripts.flatMap { try lines("Tests/ShellTests/Transcripts/" + $0, first: 400) }.filter { !$0.isEmpty }
            let lexer = Lexer(lookup: { $0 == "a" ? "value" : nil })
            return FuzzTarget(name: name, seeds: seeds,
                              dictionary: words(["$a", "${a}", "\"", "'", "=", "#", "\\$", "\\n", "key=value", "seed=", "model=", ";"])) { input in
                let line = String(decoding: input, as: UTF8.self)
                _ = try Registry.standard.parse(try lexer.tokens(line), line: line)
            }
        case "jsonl":
            var seeds = try lines("datasets/sft.jsonl", first: 30) + lines("datasets/prompts_train.jsonl", first: 30)
            seeds += words([#"{"prompt": "p", "responses": ["a", "b", "c"], "ranking": [2, 0, 1], "truncated": [1]}"#,
                            #"{"prompt": "p", "chosen": "a", "rejected": "b", "margin": 1.5, "rating": "significantly better"}"#,
                            #"{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "yo"}]}"#,
                            #"{"prompt": "p", "completion": "c", "label": true}"#])
            return FuzzTarget(name: name, seeds: seeds.map { $0 + [10] + $0 },
                              dictionary: words(["\"prompt\"", "\"responses\"", "\"ranking\"", "\"chosen\"", "\"rejected\"", "\"margin\"",
                                                 "\"messages\"", "\"role\"", "\"text\"", "null", "true", "[", "{", "\r\n", "\u{FEFF}"])) { input in
                _ = try DataFile.jsonl(String(decoding: input, as: UTF8.self), path: "fuzz.jsonl")
            }
        case "safetensors":
            let dir = try FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent(fixtures + "safetensors").path)
            let seeds = try dir.filter { $0.hasSuffix(".safetensors") }.sorted().map { try file(fixtures + "safetensors/" + $0) }
                + [try file(fixtures + "hf-llama/model.safetensors")]
            let url = scratch.appendingPathComponent("fuzz.safetensors")
            return FuzzTarget(name: name, seeds: seeds,
                              dictionary: words(["\"dtype\"", "\"BF16\"", "\"F16\"", "\"F32\"", "\"I64\"", "\"shape\"", "\"data_offsets\"",
                                                 "\"__metadata__\"", "[0,0]", "[1e30]", "{}"])) { input in
                try Data(input).write(to: url)
                let opened = try SafetensorsFile.open(url)
                for name in opened.names.prefix(8) { _ = try? opened.readFloats(name) }
            }
        case "tokenizer":
            let seeds = [try file("models/sft/tokenizer.json")]
            let sample = "Where does Ada live? <|user|> 3 + 4 = 7. Ünïcödé 🙂"
            return FuzzTarget(name: name, seeds: seeds,
                              dictionary: words(["\"type\"", "\"BPE\"", "\"merges\"", "\"vocab\"", "\"added_tokens\"", "\"pre_tokenizer\"",
                                                 "\"ByteLevel\"", "\"Metaspace\"", "\"Split\"", "\"pattern\"", "\"Regex\"", "\"normalizer\"",
                                                 "\"id\"", "\"content\"", "\"special\"", "-1", "1e30"])) { input in
                let tokenizer = try TokenizerJSON.load(data: Data(input), fileName: "tokenizer.json")
                _ = tokenizer.decodeText(tokenizer.encode(sample))
            }
        case "config":
            // config.json beside a fixed model.safetensors: every key checked before anything is allocated.
            let folder = scratch.appendingPathComponent("fuzz-model")
            try? FileManager.default.removeItem(at: folder)
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            try FileManager.default.createSymbolicLink(at: folder.appendingPathComponent("model.safetensors"),
                                                       withDestinationURL: root.appendingPathComponent(fixtures + "hf-llama/model.safetensors"))
            let families = ["hf-llama", "hf-qwen2", "hf-qwen3", "hf-gemma3", "hf-olmo2", "hf-smollm3", "hf-gpt2", "hf-llama-rm"]
            let seeds = try families.map { try file(fixtures + $0 + "/config.json") }
            let config = folder.appendingPathComponent("config.json")
            return FuzzTarget(name: name, seeds: seeds,
                              dictionary: words(["\"rope_theta\"", "\"rms_norm_eps\"", "\"head_dim\"", "\"num_key_value_heads\"",
                                                 "\"tie_word_embeddings\"", "\"rope_scaling\"", "\"rope_type\"", "\"llama3\"",
                                                 "\"layer_types\"", "\"sliding_window\"", "\"model_type\"", "\"vocab_size\"", "0", "-1"])) { input in
                try Data(input).write(to: config)
                _ = try GPT.load(from: folder)
            }
        case "template":
            let json = try JSONSerialization.jsonObject(with: Data(try file(fixtures + "chat_templates.json"))) as? [[String: Any]] ?? []
            let seeds = json.compactMap { $0["template"] as? String }.map { Array($0.utf8) }
                + NamedChatTemplate.all.map { Array($0.source.utf8) }
            let messages = [ChatMessage(role: "system", content: "Be brief."), ChatMessage(role: "user", content: "What is 3 + 4?"),
                            ChatMessage(role: "assistant", content: "7."), ChatMessage(role: "user", content: "And 2 + 2?")]
            return FuzzTarget(name: name, seeds: seeds,
                              dictionary: words(["{%", "%}", "{{", "}}", "{#", "#}", " for x in range(1000) ", "{% endfor %}",
                                                 " if ", "{% endif %}", " set ns = namespace(a=1) ", "ns.a", " ~ ", " * ", " ** ",
                                                 "|join", "|tojson(indent=4)", "|replace('a', 'bb')", "[", "]", "(", ")",
                                                 "messages", "loop.index", "raise_exception('x')", "'x' * 1000000"])) { input in
                let template = try ChatTemplate(String(decoding: input, as: UTF8.self), specialTokens: ["bos_token": "<s>", "eos_token": "</s>"])
                _ = try template.render(messages, addGenerationPrompt: true)
            }
        default:
            throw FuzzError("no fuzz target \(name); the targets are \(FuzzTarget.names.joined(separator: ", "))")
        }
    }

    public static let names = ["lexer", "jsonl", "safetensors", "tokenizer", "config", "template"]
}

public struct FuzzError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
