import Kernels
import Foundation

/// Why a model directory (config.json + model.safetensors) could not be read
/// or saved. Problems inside the safetensors file itself are `CheckpointError`s.
public enum ModelFileError: Error, Equatable, Sendable, LocalizedError {
    /// config.json is missing, not JSON, or lacks a key.
    case badConfig(path: String, reason: String)
    /// A tensor the model needs is not in the file.
    case missingTensor(path: String, tensor: String)
    /// A tensor has another shape than the config implies.
    case wrongShape(path: String, tensor: String, expected: [Int], found: [Int])
    /// A tensor this loader does not know: not a GPT-2 checkpoint, or another head.
    case unexpectedTensor(path: String, tensor: String)
    /// A save's target is a file, not a directory.
    case notADirectory(path: String)
    /// A save's target already holds a model, and replacing it was not asked for.
    case holdsModel(path: String)
    /// Holding the model would take `needed` bytes, more than this process may still take
    /// (`room`: `Machine.room`'s words for it, as they were when the load was refused).
    case tooLarge(path: String, parameters: Int, needed: Int, room: String, bfloat16: Bool)
    /// A save's target holds entries that are not a model's files (`names`, sorted).
    case holdsOtherFiles(path: String, names: [String])
    /// The file system cannot swap two directories in one step (`reason` is the system's).
    case cannotSwap(path: String, reason: String)

    public var errorDescription: String? {
        switch self {
        case let .tooLarge(path, parameters, needed, room, bfloat16):
            return "\(path): holding its \(parameters) parameters takes about \(Machine.byteSize(needed)), more than "
                + room + (bfloat16 ? "; free memory or use a larger machine"
                    : "; load it with dtype=bf16 (its matrices in half the memory), free memory, or use a larger machine")
        case let .badConfig(path, reason):
            return "\(path): \(reason). A model directory needs a Hugging Face config.json of a family that runs here "
                + "(\(GPTConfig.Family.allCases.map(\.rawValue).joined(separator: ", ")))."
        case let .missingTensor(path, tensor):
            return "\(path): tensor '\(tensor)' is missing. Is this a checkpoint of the shape config.json gives?"
        case let .wrongShape(path, tensor, expected, found):
            return "\(path): tensor '\(tensor)' has shape \(found) but config.json implies \(expected). "
                + "Check that config.json belongs to this model.safetensors."
        case let .unexpectedTensor(path, tensor):
            return "\(path): unexpected tensor '\(tensor)'; only language models (GPT2LMHeadModel, LlamaForCausalLM and their kin) "
                + "and scalar-head models (…ForSequenceClassification, 1 label) load here."
        case let .notADirectory(path):
            return "\(path) is a file, not a directory; give a directory for the model (its files go inside)."
        case let .holdsModel(path):
            return "\(path) holds a model already; it was kept. Save to another directory, or ask to replace it."
        case let .holdsOtherFiles(path, names):
            let shown = names.prefix(5).joined(separator: ", ") + (names.count > 5 ? " and \(names.count - 5) more" : "")
            return "\(path) holds files that are not a model's (\(shown)); a save replaces the whole directory, "
                + "so nothing was written. Save to a new or empty directory, or move them away."
        case let .cannotSwap(path, reason):
            return "\(path): this file system cannot swap two directories in one step (\(reason)), so the model "
                + "there was kept. Save to a new directory instead."
        }
    }
}
