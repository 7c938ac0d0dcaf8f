import Foundation

/// Why a model directory (config.json + model.safetensors) could not be used.
/// Problems inside the safetensors file itself are `CheckpointError`s.
public enum ModelFileError: Error, Equatable, Sendable, LocalizedError {
    /// config.json is missing, not JSON, or lacks a key.
    case badConfig(path: String, reason: String)
    /// A tensor the model needs is not in the file.
    case missingTensor(path: String, tensor: String)
    /// A tensor has another shape than the config implies.
    case wrongShape(path: String, tensor: String, expected: [Int], found: [Int])
    /// A tensor this loader does not know: not a GPT-2 checkpoint, or another head.
    case unexpectedTensor(path: String, tensor: String)

    public var errorDescription: String? {
        switch self {
        case let .badConfig(path, reason):
            return "\(path): \(reason). A model directory needs a Hugging Face GPT-2 config.json."
        case let .missingTensor(path, tensor):
            return "\(path): tensor '\(tensor)' is missing. Is this a GPT-2 checkpoint of the shape config.json gives?"
        case let .wrongShape(path, tensor, expected, found):
            return "\(path): tensor '\(tensor)' has shape \(found) but config.json implies \(expected). "
                + "Check that config.json belongs to this model.safetensors."
        case let .unexpectedTensor(path, tensor):
            return "\(path): unexpected tensor '\(tensor)'; only GPT-2 language models "
                + "(GPT2LMHeadModel) and scalar-head models (GPT2ForSequenceClassification, 1 label) load here."
        }
    }
}
