import Datasets
import Foundation
import LanguageModel

extension Commands {
    static let saveModel = CommandSpec(
        "save model",
        arguments: [.argument("NAME", .name, "a model"), .argument("PATH", .path, "a directory (made if missing)")],
        options: [.option("force", .bool, "replace a model already at PATH", default: "false"),
                  .option("merged", .bool, "for a model with LoRA adapters: save it whole, the adapters folded in (default: the adapters alone)",
                          default: "false")],
        summary: "save a model as config.json + model.safetensors (+ tokenizer.json)",
        help: """
            Writes the model in Hugging Face's layout for its family (GPT-2, Llama, \
            Qwen2, Mistral), so transformers can load it too, with its tokenizer as \
            tokenizer.json and its chat template, if it has one, in \
            tokenizer_config.json. The directory is written whole: \
            every file goes into a hidden directory beside PATH and is flushed to disk, \
            then that directory takes PATH's place in one atomic swap, so a crash or \
            kill leaves the old model at PATH or the new one, never a mix (the hidden \
            .DIR.rlhf-save-… a killed save leaves is removed by the next save). A model \
            already at PATH is kept unless force=true. Files that are not a model's \
            (anything but config.json, model.safetensors, tokenizer.json and \
            tokenizer_config.json) are never \
            deleted: a PATH holding any is refused, naming them, force=true or not.
            A model with LoRA adapters is saved as PEFT saves an adapter \
            (adapter_config.json and adapter_model.safetensors, for load model NAME \
            PATH base=MODEL, or peft's PeftModel.from_pretrained), unless \
            merged=true; a reward or value model with adapters is saved whole.
            """,
        examples: ["save model sft saved/sft", "save model sft saved/sft force=true"]
    ) { invocation, context in
        let name = invocation.argument("NAME")
        let entry = try context.session.model(name, in: invocation, argument: "NAME")
        let path = invocation.argument("PATH")
        let dir = URL(fileURLWithPath: (path as NSString).expandingTildeInPath)
        let end = entry.tokenizer?.id(of: BPETokenizer.SpecialToken.endOfText).map(Int.init)
        // An adapter alone, as PEFT saves one, unless the whole model is asked for (or has a head PEFT would keep apart).
        let adapterOnly = entry.model.lora != nil && !invocation.bool("merged") && !entry.model.hasScalarHead
        do {
            if adapterOnly {
                // PEFT's base_model_name_or_path: where the base was loaded from, when that is a model folder.
                let base = !entry.model.baseChanged && FileManager.default.fileExists(atPath: entry.origin + "/config.json")
                    ? entry.origin : nil
                try entry.model.saveAdapter(to: dir, baseName: base, replacingModel: invocation.bool("force"))
            } else {
                try entry.model.save(to: dir, tokenizer: entry.tokenizer, endToken: end, chatFormat: entry.chat,
                                     replacingModel: invocation.bool("force"))
            }
        } catch ModelFileError.holdsModel {
            throw invocation.error("\(path) holds a model; give force=true to replace it", at: "PATH")
        } catch let ModelFileError.holdsOtherFiles(_, names) {
            // The library's words, with the path as typed.
            throw invocation.error(ModelFileError.holdsOtherFiles(path: path, names: names).errorDescription!, at: "PATH")
        } catch ModelFileError.notADirectory {
            throw invocation.error(ModelFileError.notADirectory(path: path).errorDescription!, at: "PATH")
        }
        if adapterOnly {
            return CommandOutput("saved \(name)'s LoRA adapters to \(path) (adapter_config.json, adapter_model.safetensors; "
                + "\(formatCount(entry.model.trainableCount)) parameters)")
        }
        let files = "config.json, model.safetensors" + (entry.tokenizer == nil ? "" : ", tokenizer.json")
            + (entry.tokenizer?.chatTemplate == nil ? "" : ", tokenizer_config.json")
        return CommandOutput("saved \(name) to \(path) (\(files))")
    }
}
