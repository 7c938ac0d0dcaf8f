import Files
import Foundation
import Kernels

/// Low-rank adapters on disk in PEFT's layout (`PeftModel.save_pretrained`):
/// `adapter_config.json` and `adapter_model.safetensors`, whose tensors are the
/// adapters' names inside the model prefixed `base_model.model.`
/// (`base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight`, (r, in)).
extension GPT {
    public static let adapterConfigFileName = "adapter_config.json", adapterWeightsFileName = "adapter_model.safetensors"
    static let adapterPrefix = "base_model.model."

    /// Whether `directory` holds an adapter (adapter_config.json) rather than a whole model.
    public static func isAdapterDirectory(_ directory: URL) -> Bool {
        FileManager.default.fileExists(atPath: directory.appendingPathComponent(adapterConfigFileName).path)
            && !FileManager.default.fileExists(atPath: directory.appendingPathComponent(configFileName).path)
    }

    /// Writes this model's adapters (not the base) as PEFT does, as one directory
    /// swapped in whole (see `save`). `baseName` goes into `base_model_name_or_path`.
    public func saveAdapter(to directory: URL, baseName: String?, replacingModel: Bool = false) throws {
        guard let lora else { preconditionFailure("saveAdapter: the model has no adapters") }
        let tensors = layout.specs.filter { $0.role == .loraA || $0.role == .loraB }
            .map { (name: Self.adapterPrefix + $0.name, shape: $0.shape, data: Weight.float(parameters.pointer + $0.offset)) }
        var members: [(String, String)] = [
            ("base_model_name_or_path", baseName.map(jsonQuoted) ?? "null"), ("bias", "\"none\""),
            ("fan_in_fan_out", config.family == .gpt2 ? "true" : "false"), ("inference_mode", "true"),
            ("lora_alpha", lora.alpha == lora.alpha.rounded() ? String(Int(lora.alpha)) : JinjaValue.pythonFloat(lora.alpha)),
            ("lora_dropout", JinjaValue.pythonFloat(lora.dropout)), ("modules_to_save", "null"), ("peft_type", "\"LORA\""), ("r", String(lora.rank)),
            ("target_modules", "[" + lora.targets.sorted().map(jsonQuoted).joined(separator: ", ") + "]"),
            ("task_type", "\"CAUSAL_LM\""), ("use_dora", "false"), ("use_rslora", lora.rsLoRA ? "true" : "false"),
        ]
        members.sort { $0.0 < $1.0 }
        let json = "{\n" + members.map { "  \"\($0.0)\": \($0.1)" }.joined(separator: ",\n") + "\n}\n"
        try ModelDirectory.replace(directory, replacingModel: replacingModel) { building in
            func paths(_ name: String) -> (write: String, report: String) {
                (building.appendingPathComponent(name).path, directory.appendingPathComponent(name).path)
            }
            try Safetensors.write(paths(Self.adapterWeightsFileName).write, reporting: paths(Self.adapterWeightsFileName).report,
                                  tensors: tensors, metadata: ["format": "pt"])
            try FileDescriptor.writeNewFile(paths(Self.adapterConfigFileName).write,
                                            reporting: paths(Self.adapterConfigFileName).report, bytes: Array(json.utf8))
        }
    }

    /// `base` with the adapter in `directory` on top: adapter_config.json's settings
    /// checked (a LoRA of PEFT's plain kind, on linear layers of the base's family),
    /// then every tensor of adapter_model.safetensors matched to the layout by name and shape.
    ///
    /// - Throws: `ModelFileError` naming the file and key or tensor: another `peft_type`,
    ///   DoRA, per-module ranks, layer subsets, trained biases or extra saved modules,
    ///   a target the family lacks, a missing, misshapen or unexpected tensor.
    public static func loadAdapter(from directory: URL, onto base: GPT) throws -> GPT {
        let configPath = directory.appendingPathComponent(adapterConfigFileName).path
        func bad(_ reason: String) -> ModelFileError { .badConfig(path: configPath, reason: reason) }
        let data: Data
        do { data = try OutsideFile.data(configPath, limit: ModelDirectorySnapshot.configLimit) } catch { throw bad(error.problem) }
        let json: HeaderJSON
        do { json = try HeaderJSONParser.parse(Array(data)) } catch { throw bad("is not valid JSON (\(error.message))") }
        guard case .string("LORA")? = json["peft_type"] else { throw bad("peft_type is not \"LORA\"; only LoRA adapters load") }
        guard let rank = json["r"]?.integer, rank >= 1 else { throw bad("r must be a positive integer") }
        var alpha = Double(rank)
        switch json["lora_alpha"] {
        case .number(let literal)?: alpha = Double(literal) ?? alpha
        case nil: break
        default: throw bad("lora_alpha must be a number")
        }
        func flag(_ key: String) -> Bool { if case .bool(true)? = json[key] { true } else { false } }
        func empty(_ key: String) -> Bool {
            switch json[key] {
            case nil, .null?: true
            case .object(let m)?: m.isEmpty
            case .array(let a)?: a.isEmpty
            default: false
            }
        }
        if flag("use_dora") { throw bad("use_dora: DoRA adapters are not supported") }
        for key in ["rank_pattern", "alpha_pattern", "layers_to_transform", "modules_to_save", "layer_replication"] where !empty(key) {
            throw bad("\(key) is set; only one rank and alpha on every layer, with nothing else saved, is supported")
        }
        if case .string(let bias)? = json["bias"], bias != "none" { throw bad("bias is \"\(bias)\"; only \"none\" is supported") }
        var targets: [String] = []
        switch json["target_modules"] {
        case .array(let items)?:
            for item in items {
                guard case .string(let name) = item else { throw bad("target_modules must be a list of names") }
                targets.append(name.split(separator: ".").last.map(String.init) ?? name)
            }
        case .string("all-linear")?: targets = LoRASettings.modules(base.config.family)
        default: throw bad("target_modules must be a list of module names")
        }
        var dropout = 0.0
        if case .number(let literal)? = json["lora_dropout"] { dropout = Double(literal) ?? -1 }
        guard (0..<1).contains(dropout) else { throw bad("lora_dropout must be at least 0 and below 1") }
        let settings = LoRASettings(rank: rank, alpha: alpha, targets: Array(Set(targets)).sorted(), rsLoRA: flag("use_rslora"),
                                    dropout: dropout)
        if let problem = settings.problem(for: base.config) { throw bad("target_modules: \(problem)") }

        let weightsURL = directory.appendingPathComponent(adapterWeightsFileName)
        let file = try SafetensorsFile.open(weightsURL)
        let model = base.withLoRA(settings, seed: 0)
        var used: Set<String> = []
        for spec in model.layout.specs where spec.role == .loraA || spec.role == .loraB {
            // PEFT writes names without the adapter's name; some tools keep ".default".
            let plain = adapterPrefix + spec.name
            let named = plain.replacingOccurrences(of: ".weight", with: ".default.weight")
            guard let name = [plain, named].first(where: { file.tensors[$0] != nil }) else {
                throw ModelFileError.missingTensor(path: weightsURL.path, tensor: plain)
            }
            let found = file.tensors[name]!.shape
            guard found == spec.shape else {
                throw ModelFileError.wrongShape(path: weightsURL.path, tensor: name, expected: spec.shape, found: found)
            }
            try file.readFloats(name, into: model.parameters.pointer + spec.offset, count: spec.count)
            used.insert(name)
        }
        if let extra = file.names.first(where: { !used.contains($0) }) {
            throw ModelFileError.unexpectedTensor(path: weightsURL.path, tensor: extra)
        }
        return model
    }
}
