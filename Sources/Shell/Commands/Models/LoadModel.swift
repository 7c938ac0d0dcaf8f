import Datasets
import Foundation
import LanguageModel

extension Commands {
    static let loadModel = CommandSpec(
        "load model",
        arguments: [.argument("NAME", .name, "the name it gets here"),
                    .argument("PATH", .path, "a directory with config.json and model.safetensors")],
        summary: "load a model directory (ours or a Hugging Face GPT-2)",
        help: """
            Reads config.json and model.safetensors (F32, F16 or BF16, GPT-2 tensor \
            names, GPT2LMHeadModel or a one-label GPT2ForSequenceClassification) and, \
            when present, tokenizer.json or GPT-2's vocab.json and merges.txt. A bad \
            file is refused with the file and tensor named; the session is unchanged.
            """,
        examples: ["load model gpt2 ~/models/gpt2", "load model mine saved/mine"]
    ) { invocation, context in
        let name = invocation.argument("NAME")
        let dir = URL(fileURLWithPath: (invocation.argument("PATH") as NSString).expandingTildeInPath)
        let model = try GPT.load(from: dir)
        var tokenizer: BPETokenizer?
        let fm = FileManager.default
        let json = dir.appendingPathComponent("tokenizer.json")
        let vocab = dir.appendingPathComponent("vocab.json"), merges = dir.appendingPathComponent("merges.txt")
        if fm.fileExists(atPath: json.path) {
            tokenizer = try TokenizerJSON.load(contentsOf: json)
        } else if fm.fileExists(atPath: vocab.path) && fm.fileExists(atPath: merges.path) {
            tokenizer = try TokenizerJSON.loadGPT2(vocabulary: vocab, merges: merges)
        }
        if let t = tokenizer, t.vocabularySize > model.config.vocabularySize {
            throw invocation.error("the tokenizer has \(t.vocabularySize) tokens but the model only \(model.config.vocabularySize)", at: "PATH")
        }
        let typed = invocation.argument("PATH")
        context.session.models[name] = ModelEntry(model: model, tokenizer: tokenizer, origin: typed)
        context.session.touch(name)
        return CommandOutput("\(name): loaded \(formatCount(model.parameterCount)) parameters from \(typed)"
            + (tokenizer == nil ? " (no tokenizer found)" : ""))
    }
}
