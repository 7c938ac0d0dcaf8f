import Datasets
import Foundation
import LanguageModel

extension Commands {
    static let loadModel = CommandSpec(
        "load model",
        arguments: [.argument("NAME", .name, "the name it gets here"),
                    .argument("PATH", .path, "a directory with config.json and model.safetensors (default: the bundled model NAME)",
                              required: false)],
        summary: "load a model directory (ours or a Hugging Face GPT-2)",
        help: """
            Reads config.json and model.safetensors (F32, F16 or BF16, GPT-2 tensor \
            names, GPT2LMHeadModel or a one-label GPT2ForSequenceClassification) and, \
            when present, tokenizer.json or GPT-2's vocab.json and merges.txt. A bad \
            file is refused with the file and tensor named; the session is unchanged. \
            config.json, model.safetensors and tokenizer.json are read from one \
            snapshot of the directory, so a save over it meanwhile cannot mix two \
            models. Without PATH, loads the model of that name from the folders given \
            with --models, then $RLHF_HOME/models, then ./models (the bundled base, sft).
            """,
        examples: ["load model sft", "load model gpt2 ~/models/gpt2", "load model mine saved/mine"]
    ) { invocation, context in
        let name = invocation.argument("NAME")
        let typed = try invocation.arguments["PATH"] ?? bundledModel(name, context.session, invocation)
        let dir = URL(fileURLWithPath: (typed as NSString).expandingTildeInPath)
        let snapshot = try ModelDirectorySnapshot.open(dir)
        let model = try GPT.load(from: snapshot)
        var tokenizer: BPETokenizer?
        let fm = FileManager.default
        let vocab = dir.appendingPathComponent("vocab.json"), merges = dir.appendingPathComponent("merges.txt")
        if let json = snapshot.tokenizerJSON {
            tokenizer = try TokenizerJSON.load(data: json, fileName: GPT.tokenizerFileName)
        } else if fm.fileExists(atPath: vocab.path) && fm.fileExists(atPath: merges.path) {
            // GPT-2's own pair of files, which saves here never write.
            tokenizer = try TokenizerJSON.loadGPT2(vocabulary: vocab, merges: merges)
        }
        if let t = tokenizer, t.vocabularySize > model.config.vocabularySize {
            throw invocation.error("the tokenizer has \(t.vocabularySize) tokens but the model only \(model.config.vocabularySize)", at: "PATH")
        }
        context.session.models[name] = ModelEntry(model: model, tokenizer: tokenizer, origin: typed, chat: snapshot.isChatModel)
        context.session.touch(name)
        return CommandOutput("\(name): loaded \(formatCount(model.parameterCount)) parameters from \(typed)"
            + (tokenizer == nil ? " (no tokenizer found)" : ""))
    }

    /// The folders searched for a model by name: the session's `modelFolders`
    /// (given with --models), then $RLHF_HOME/models, then ./models.
    static func bundledFolders(_ session: Session) -> [String] {
        let folders = session.modelFolders
            + (ProcessInfo.processInfo.environment["RLHF_HOME"].map { [$0 + "/models"] } ?? []) + ["models"]
        var seen: Set<String> = []
        return folders.filter { seen.insert($0).inserted }
    }

    /// The path of the bundled model `name`, or an error listing the bundled ones.
    static func bundledModel(_ name: String, _ session: Session, _ invocation: Invocation) throws -> String {
        let fm = FileManager.default
        let folders = bundledFolders(session)
        for folder in folders where fm.fileExists(atPath: folder + "/" + name + "/config.json") {
            return folder + "/" + name
        }
        let known = Set(folders.flatMap { folder in
            ((try? fm.contentsOfDirectory(atPath: folder)) ?? []).filter { !$0.hasPrefix(".") && fm.fileExists(atPath: folder + "/" + $0 + "/config.json") }
        }).sorted()
        throw invocation.error("no bundled model '\(name)'" + (known.isEmpty ? "; give a PATH" : " (bundled: \(known.joined(separator: ", "))); or give a PATH"), at: "NAME")
    }
}
