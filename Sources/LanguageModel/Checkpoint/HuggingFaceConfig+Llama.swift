import Foundation
import Kernels

/// The rotary settings of a Llama-family config.json: transformers 4 writes
/// `rope_theta` at the top and `rope_scaling` ({"rope_type" or "type",
/// "factor", …}); transformers 5 writes both inside `rope_parameters`.
struct RopeParameters: Codable {
    var ropeTheta: Double?
    var ropeType: String?
    var type: String?
    var factor: Double?
    var lowFreqFactor: Double?
    var highFreqFactor: Double?
    var originalMaxPositionEmbeddings: Double?

    enum CodingKeys: String, CodingKey {
        case ropeTheta = "rope_theta", ropeType = "rope_type", type, factor
        case lowFreqFactor = "low_freq_factor", highFreqFactor = "high_freq_factor"
        case originalMaxPositionEmbeddings = "original_max_position_embeddings"
    }
}

extension HuggingFaceConfig {
    /// The Llama family's config, or why this file's model cannot run here.
    func llamaConfig(_ family: GPTConfig.Family, path: String) throws -> GPTConfig {
        func need(_ value: Int?, _ key: String) throws -> Int {
            guard let value else { throw ModelFileError.badConfig(path: path, reason: "config.json has no '\(key)'") }
            return value
        }
        func refuse(_ reason: String) -> ModelFileError { .badConfig(path: path, reason: reason) }
        let heads = try need(numAttentionHeads, "num_attention_heads")
        let width = try need(hiddenSize, "hidden_size")
        if let act = hiddenAct, act != "silu" { throw refuse("hidden_act is '\(act)'; the Llama family's MLP here is SwiGLU with silu") }
        if mlpBias == true { throw refuse("mlp_bias is true; MLP biases are not supported") }
        if attentionBias == true && family != .qwen2 {
            throw refuse("attention_bias is true; only Qwen2's q/k/v biases are supported (this would add an o_proj bias too)")
        }
        if useSlidingWindow == true || (family == .mistral && slidingWindow != nil) {
            throw refuse("sliding-window attention (sliding_window \(slidingWindow.map(String.init) ?? "set")) is not supported; only full attention")
        }
        if let headDim, heads > 0, headDim != width / heads {
            throw refuse("head_dim is \(headDim), not hidden_size / num_attention_heads = \(width / heads); only that head size is supported")
        }
        let rope = ropeParameters ?? ropeScaling
        let theta = ropeParameters?.ropeTheta ?? ropeTheta ?? 10_000
        var scaling: RoPE.Llama3Scaling?
        switch rope?.ropeType ?? rope?.type ?? "default" {
        case "default": break
        case "llama3":
            guard let r = rope, let factor = r.factor, let low = r.lowFreqFactor, let high = r.highFreqFactor,
                  let original = r.originalMaxPositionEmbeddings, high > low, factor > 0 else {
                throw refuse("rope scaling 'llama3' needs factor, low_freq_factor < high_freq_factor and original_max_position_embeddings")
            }
            scaling = RoPE.Llama3Scaling(factor: factor, lowFrequencyFactor: low, highFrequencyFactor: high, originalContext: original)
        case let other:
            throw refuse("rope scaling of type '\(other)' is not supported (only none and 'llama3')")
        }
        let config = GPTConfig.llama(
            layers: try need(numHiddenLayers, "num_hidden_layers"), heads: heads,
            keyValueHeads: numKeyValueHeads ?? heads, width: width, mlpWidth: try need(intermediateSize, "intermediate_size"),
            contextLength: try need(maxPositionEmbeddings, "max_position_embeddings"), vocabularySize: try need(vocabSize, "vocab_size"),
            normEpsilon: Float(rmsNormEps ?? 1e-6), ropeTheta: theta, ropeScaling: scaling,
            tiedHead: tieWordEmbeddings ?? false, attentionBias: family == .qwen2, family: family)
        if let problem = config.problem { throw refuse(problem) }
        return config
    }

    /// The config.json written for a Llama-family model, in transformers 4's
    /// keys (which transformers 5 reads too).
    mutating func setLlama(_ config: GPTConfig, scalarHead: Bool) {
        let name = ["llama": "Llama", "qwen2": "Qwen2", "mistral": "Mistral"][config.family.rawValue] ?? "Llama"
        architectures = [name + (scalarHead ? "ForSequenceClassification" : "ForCausalLM")]
        modelType = config.family.rawValue
        vocabSize = config.vocabularySize
        hiddenSize = config.width
        intermediateSize = config.hidden
        numHiddenLayers = config.layers
        numAttentionHeads = config.heads
        numKeyValueHeads = config.kvHeads
        maxPositionEmbeddings = config.contextLength
        rmsNormEps = Double("\(config.normEpsilon)") ?? Double(config.normEpsilon)  // 1e-05, not 9.99999974e-06
        ropeTheta = config.ropeTheta
        ropeScaling = config.ropeScaling.map {
            RopeParameters(ropeType: "llama3", factor: $0.factor, lowFreqFactor: $0.lowFrequencyFactor,
                           highFreqFactor: $0.highFrequencyFactor, originalMaxPositionEmbeddings: $0.originalContext)
        }
        hiddenAct = "silu"
        tieWordEmbeddings = config.tiedHead
        if config.family != .qwen2 { attentionBias = false }
    }
}
