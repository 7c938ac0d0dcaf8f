import Datasets
import Foundation
import LanguageModel

extension Commands {
    static let saveModel = CommandSpec(
        "save model",
        arguments: [.argument("NAME", .name, "a model"), .argument("PATH", .path, "a directory (made if missing)")],
        summary: "save a model as config.json + model.safetensors (+ tokenizer.json)",
        help: """
            Writes the model in Hugging Face's GPT-2 layout, so transformers can load it \
            too, with its tokenizer as tokenizer.json. Each file is replaced atomically.
            """,
        examples: ["save model sft saved/sft"]
    ) { invocation, context in
        let name = invocation.argument("NAME")
        let entry = try context.session.model(name, in: invocation, argument: "NAME")
        let dir = URL(fileURLWithPath: (invocation.argument("PATH") as NSString).expandingTildeInPath)
        let end = entry.tokenizer?.id(of: BPETokenizer.SpecialToken.endOfText).map(Int.init)
        try entry.model.save(to: dir, endToken: end, chatFormat: entry.chat)
        var files = "config.json, model.safetensors"
        if let t = entry.tokenizer {
            try TokenizerJSON.save(t, to: dir.appendingPathComponent("tokenizer.json"))
            files += ", tokenizer.json"
        }
        return CommandOutput("saved \(name) to \(invocation.argument("PATH")) (\(files))")
    }
}
