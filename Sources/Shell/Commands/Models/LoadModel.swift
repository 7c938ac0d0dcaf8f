import Datasets
import Files
import Foundation
import LanguageModel

extension Commands {
    static let loadModel = CommandSpec(
        "load model",
        arguments: [.argument("NAME", .modelName, "the name it gets here; or a Hugging Face id ORG/NAME, read from the local cache and named NAME"),
                    .argument("PATH", .path, "a directory with config.json and model.safetensors, or a Hugging Face id ORG/NAME in the local cache (default: the bundled model NAME)",
                              required: false)],
        options: [.option("chat_template", .path, "a Jinja file to use as the chat template instead of the folder's, or a format by name: chatml, llama3, gemma"),
                  .option("base", .name, "for a LoRA adapter folder (PEFT's): the loaded model it goes on (default: its base_model_name_or_path)"),
                  .option("dtype", .choice(Precision.allCases.map(\.rawValue)),
                          "hold the weight matrices in f32 or bf16 (default: as the file does: bf16 when all are BF16)")],
        summary: "load a model directory (ours, or a Hugging Face GPT-2, Llama, Qwen2, Qwen3, Mistral, OLMo 2, Gemma 3 or SmolLM3)",
        help: """
            Reads config.json and model.safetensors (F32, F16 or BF16, in the tensor \
            names of the family's *ForCausalLM, or of a one-label *ForSequenceClassification: \
            a reward model) and, \
            when present, tokenizer.json or GPT-2's vocab.json and merges.txt, and the \
            chat template of tokenizer_config.json or chat_template.jinja (the Jinja \
            subset the templates of SmolLM2, Qwen2.5, Llama 3.2, TinyLlama, Llama 2 and \
            Mistral use; an unsupported one is refused with the construct and line \
            named, and chat_template=FILE gives another). A bad \
            file is refused with the file and tensor named; the session is unchanged. \
            config.json, model.safetensors and tokenizer.json are read from one \
            snapshot of the directory, so a save over it meanwhile cannot mix two \
            models. A folder with PEFT's adapter_config.json is a LoRA adapter: it \
            goes on a copy of base=MODEL (or of the folder its \
            base_model_name_or_path names), with that model's tokenizer. Without PATH, loads the model of that name from the folders given \
            with --models, then models/ under $RLHF_HOME, above the executable (the repository) and in the current folder (the bundled base, sft). \
            A Hugging Face id ORG/NAME (as NAME, or as PATH that is no folder here) is read \
            from the hub's local cache, offline: $HF_HUB_CACHE, else $HF_HOME/hub, else \
            ~/.cache/huggingface/hub, at the commit refs/main names; a model not there is \
            refused with the cached ones listed and how to download one (nothing downloads here). \
            A model held in bf16 (dtype=bf16, or a BF16 file) keeps its weight matrices in \
            half the memory and samples by streaming them; norms, biases, heads and \
            adapters stay f32, and so does all arithmetic. It trains with lora= (the base \
            frozen); a command that trains every weight widens it to f32 first.
            """,
        examples: ["load model sft", "load model gpt2 ~/models/gpt2", "load model smol ~/models/SmolLM2-135M-Instruct dtype=bf16",
                   "load model Qwen/Qwen3-0.6B", "load model qwen Qwen/Qwen3-0.6B dtype=bf16",
                   "load model mine saved/mine chat_template=my-template.jinja"]
    ) { invocation, context in
        let given = invocation.argument("NAME")
        // load model ORG/NAME: the model is called NAME here.
        let name = HuggingFaceCache.isRepositoryID(given) ? String(given.split(separator: "/")[1]) : given
        let (typed, hubID) = try modelPath(given, invocation, context.session)
        let dir = URL(fileURLWithPath: (typed as NSString).expandingTildeInPath)
        if GPT.isAdapterDirectory(dir) { return try loadAdapter(name, dir, typed, invocation, context.session) }
        let entry = try readModel(at: typed, dtype: invocation.optional("dtype").flatMap(Precision.init(rawValue:)),
                                  chatTemplate: invocation.optional("chat_template"), invocation)
        context.session.models[name] = entry
        context.session.touch(name)
        return CommandOutput(describeLoaded(name, entry, from: hubID.map { "\($0) (Hugging Face cache, snapshot \(dir.lastPathComponent.prefix(12)))" }))
    }

    /// Where `load model` reads: PATH as typed, a hub id's cached snapshot (as NAME or as a
    /// PATH that is no file here), or the bundled model NAME.
    static func modelPath(_ given: String, _ invocation: Invocation, _ s: Session) throws -> (path: String, hubID: String?) {
        let typed = invocation.arguments["PATH"]
        let hubID = typed.map { p in
            HuggingFaceCache.isRepositoryID(p) && !FileManager.default.fileExists(atPath: (p as NSString).expandingTildeInPath) ? p : nil
        } ?? (HuggingFaceCache.isRepositoryID(given) ? given : nil)
        if let hubID {
            do {
                return (try (s.huggingFaceCache ?? HuggingFaceCache()).snapshot(of: hubID).path, hubID)
            } catch let error as HuggingFaceCacheError {
                // A PATH that is no folder here may have been meant as one.
                let here = typed.map { "there is no folder \($0) here, and " } ?? ""
                throw invocation.error(here + error.errorDescription!, at: typed == nil ? "NAME" : "PATH")
            }
        }
        return (try typed ?? bundledModel(given, s, invocation), nil)
    }

    /// "sft: loaded 1.4M parameters from PATH with its chat template".
    static func describeLoaded(_ name: String, _ entry: ModelEntry, from: String? = nil) -> String {
        "\(name): loaded \(formatCount(entry.model.parameterCount))\(entry.model.precision == .bfloat16 ? " parameters (bf16)" : " parameters") from \(from ?? entry.origin)"
            + (entry.tokenizer == nil ? " (no tokenizer found)" : entry.tokenizer?.chatTemplate != nil ? " with its chat template" : "")
            + entry.model.loadNotes.map { "\nnote: " + $0 }.joined()
    }

    /// The model directory at `typed` with its tokenizer and chat template (or
    /// the Jinja file `chatTemplate`), read from one snapshot; errors point at
    /// `invocation`'s PATH and chat_template.
    static func readModel(at typed: String, dtype: Precision?, chatTemplate file: String?, _ invocation: Invocation) throws -> ModelEntry {
        let dir = URL(fileURLWithPath: (typed as NSString).expandingTildeInPath)
        let snapshot = try ModelDirectorySnapshot.open(dir)
        let model = try GPT.load(from: snapshot, precision: dtype)
        var tokenizer: BPETokenizer?
        let fm = FileManager.default
        let vocab = dir.appendingPathComponent("vocab.json"), merges = dir.appendingPathComponent("merges.txt")
        if let json = snapshot.tokenizerJSON {
            tokenizer = try TokenizerJSON.load(data: json, fileName: GPT.tokenizerFileName)
        } else if fm.fileExists(atPath: vocab.path) && fm.fileExists(atPath: merges.path) {
            // GPT-2's own pair of files, which saves here never write.
            tokenizer = try TokenizerJSON.loadGPT2(vocabulary: vocab, merges: merges)
        }
        var templateText = snapshot.chatTemplateJinja
        if let file {
            let url = URL(fileURLWithPath: (file as NSString).expandingTildeInPath)
            if tokenizer == nil { throw invocation.error("\(typed) has no tokenizer to give the chat template to", at: "chat_template") }
            if let named = NamedChatTemplate.named(file), !FileManager.default.fileExists(atPath: url.path) {
                // A format by name: its markers must be single tokens of this tokenizer.
                let missing = named.markers.filter { tokenizer?.id(of: $0) == nil }
                guard missing.isEmpty else {
                    throw invocation.error("the \(named.name) format writes \(named.markers.joined(separator: " ")), and this tokenizer "
                        + "lacks \(missing.joined(separator: " ")) as single tokens; give a template file in its own tokens", at: "chat_template")
                }
                templateText = named.source
            } else {
                do {
                    templateText = try OutsideFile.text(url.path, limit: TokenizerConfig.templateLimit)
                } catch {
                    let names = NamedChatTemplate.all.map(\.name).joined(separator: ", ")
                    throw invocation.error("cannot read the chat template \(file): \(error.problem) (give a file, or one of the formats \(names))",
                                           at: "chat_template")
                }
            }
        }
        if tokenizer != nil, snapshot.tokenizerConfigJSON != nil || templateText != nil {
            do {
                tokenizer = tokenizer?.withChatTemplate(
                    try TokenizerConfig.chatTemplate(config: snapshot.tokenizerConfigJSON, jinja: templateText))
            } catch var error as TokenizerError where file != nil && error.file == TokenizerConfig.templateFileName {
                error.file = file
                throw error
            }
        }
        if let t = tokenizer, t.vocabularySize > model.config.vocabularySize {
            throw invocation.error("the tokenizer has \(t.vocabularySize) tokens but the model only \(model.config.vocabularySize)", at: "PATH")
        }
        return ModelEntry(model: model, tokenizer: tokenizer, origin: typed, chat: snapshot.isChatModel || tokenizer?.chatTemplate != nil)
    }

    /// The model folder an adapter folder's adapter_config.json names as its base
    /// (`base_model_name_or_path`), or why there is none to load.
    static func adapterBase(_ dir: URL) -> Result<String, Reason> {
        let data: Data
        do {
            data = try OutsideFile.data(dir.appendingPathComponent(GPT.adapterConfigFileName).path, limit: ModelDirectorySnapshot.configLimit)
        } catch {
            return .failure(Reason("its adapter_config.json cannot be read (\(error.problem))"))
        }
        guard let config = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            return .failure(Reason("its adapter_config.json is not a JSON object"))
        }
        guard let path = config["base_model_name_or_path"] as? String, !path.isEmpty else {
            return .failure(Reason("its adapter_config.json names no base_model_name_or_path"))
        }
        guard OutsideFile.isRegular((path as NSString).expandingTildeInPath + "/config.json") else {
            return .failure(Reason("the base its adapter_config.json names, \(path), is not a model folder here"))
        }
        return .success(path)
    }

    /// Why something could not be found, as a phrase.
    struct Reason: Error { let message: String; init(_ message: String) { self.message = message } }

    /// A PEFT adapter folder on a copy of its base: base=MODEL, or the model folder
    /// adapter_config.json's base_model_name_or_path names (relative to the working directory).
    static func loadAdapter(_ name: String, _ dir: URL, _ typed: String, _ invocation: Invocation, _ s: Session) throws -> CommandOutput {
        let base: ModelEntry
        if let baseName = invocation.optional("base") {
            base = try s.model(baseName, in: invocation, argument: "base")
        } else {
            let path: String
            switch adapterBase(dir) {
            case .success(let found): path = found
            case .failure(let why):
                throw invocation.error("\(typed) is a LoRA adapter, and \(why.message); give base=MODEL, the loaded model it was trained on",
                                       at: "PATH")
            }
            let url = URL(fileURLWithPath: (path as NSString).expandingTildeInPath)
            let snapshot = try ModelDirectorySnapshot.open(url)
            var tokenizer = try snapshot.tokenizerJSON.map { try TokenizerJSON.load(data: $0, fileName: GPT.tokenizerFileName) }
            if snapshot.tokenizerConfigJSON != nil || snapshot.chatTemplateJinja != nil {
                tokenizer = tokenizer?.withChatTemplate(
                    try TokenizerConfig.chatTemplate(config: snapshot.tokenizerConfigJSON, jinja: snapshot.chatTemplateJinja))
            }
            base = ModelEntry(model: try GPT.load(from: snapshot), tokenizer: tokenizer, origin: path,
                              chat: snapshot.isChatModel || tokenizer?.chatTemplate != nil)
        }
        let model = try GPT.loadAdapter(from: dir, onto: base.model.lora == nil ? base.model : base.model.merged())
        s.models[name] = ModelEntry(model: model, tokenizer: base.tokenizer, origin: typed, chat: base.chat)
        s.touch(name)
        return CommandOutput("\(name): \(describeAdapters(model)!), from \(typed) on \(invocation.optional("base") ?? base.origin)")
    }

    /// The folders searched for a model by name: the session's `modelFolders`
    /// (given with --models), then models/ under $RLHF_HOME, above the
    /// executable (the repository) and in the current folder.
    static func bundledFolders(_ session: Session) -> [String] {
        let folders = session.modelFolders + session.roots.map { ($0 as NSString).appendingPathComponent("models") }
        var seen: Set<String> = []
        return folders.filter { seen.insert(($0 as NSString).standardizingPath).inserted }
    }

    /// The folder of the bundled model `name`, the first of `bundledFolders` that has it.
    static func bundledPath(_ name: String, _ session: Session) -> String? {
        guard !name.isEmpty, !name.contains("/"), !name.contains(".") else { return nil }
        return bundledFolders(session).map { $0 + "/" + name }.first { FileManager.default.fileExists(atPath: $0 + "/config.json") }
    }

    /// The names of every bundled model found, sorted.
    static func bundledNames(_ session: Session) -> [String] {
        let fm = FileManager.default
        return Set(bundledFolders(session).flatMap { folder in
            ((try? fm.contentsOfDirectory(atPath: folder)) ?? []).filter { !$0.hasPrefix(".") && fm.fileExists(atPath: folder + "/" + $0 + "/config.json") }
        }).sorted()
    }

    /// The path of the bundled model `name`, or an error listing the bundled ones.
    static func bundledModel(_ name: String, _ session: Session, _ invocation: Invocation) throws -> String {
        if let path = bundledPath(name, session) { return path }
        let folders = bundledFolders(session), known = bundledNames(session)
        throw invocation.error("no bundled model '\(name)'" + (known.isEmpty ? "; looked in \(folders.joined(separator: ", ")); give a PATH"
            : " (bundled: \(known.joined(separator: ", "))); or give a PATH"), at: "NAME")
    }
}
