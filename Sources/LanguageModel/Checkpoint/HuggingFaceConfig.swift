import Foundation

/// Hugging Face's `config.json` for GPT-2 (transformers' GPT2Config) and the
/// Llama family (LlamaConfig, Qwen2Config, MistralConfig), as much of it as
/// this engine reads or writes. Keys that would change the computation
/// (attention scaling variants, sliding windows, biases, rope types) are
/// checked; others are ignored on reading, and the token ids (which may be
/// lists elsewhere) are only written.
struct HuggingFaceConfig: Codable {
    var architectures: [String]?
    var modelType: String?
    var vocabSize: Int?
    var nPositions: Int?
    var nCtx: Int?
    var nEmbd: Int?
    var nLayer: Int?
    var nHead: Int?
    var nInner: Int?
    var activationFunction: String?
    var layerNormEpsilon: Double?
    var tieWordEmbeddings: Bool?
    var numLabels: Int?
    var bosTokenId: TokenIDField?
    var eosTokenId: TokenIDField?
    var padTokenId: TokenIDField?
    var torchDtype: String?
    var scaleAttnWeights: Bool?
    var scaleAttnByInverseLayerIdx: Bool?
    // The Llama family's keys.
    var hiddenSize: Int?
    var intermediateSize: Int?
    var numHiddenLayers: Int?
    var numAttentionHeads: Int?
    var numKeyValueHeads: Int?
    var maxPositionEmbeddings: Int?
    var rmsNormEps: Double?
    var ropeTheta: Double?
    var ropeScaling: RopeParameters?
    var ropeParameters: RopeField?
    var hiddenAct: String?
    // Keys of the newer families (Gemma 3, SmolLM3; Qwen's sliding layers).
    var hiddenActivation: String?
    var queryPreAttnScalar: Double?
    var finalLogitSoftcapping: Double?
    var attnLogitSoftcapping: Double?
    var useBidirectionalAttention: Bool?
    var layerTypes: [String]?
    var slidingWindowPattern: Int?
    var ropeLocalBaseFreq: Double?
    var noRopeLayers: [Int]?
    var noRopeLayerInterval: Int?
    var attentionBias: Bool?
    var mlpBias: Bool?
    var headDim: Int?
    var slidingWindow: Int?
    var useSlidingWindow: Bool?
    /// GPT-2's dropout rates, written as 0: nothing here drops activations, and
    /// transformers' GPT2Config defaults them to 0.1, so a folder without them
    /// would train in transformers with dropout the model never had (found by
    /// the TRL check of `export`). Written, never read.
    var residPdrop: Double?, embdPdrop: Double?, attnPdrop: Double?
    /// This project's key: true for a model trained to answer in the chat
    /// format (`<|user|> … <|assistant|> … <|end|>`); other readers ignore it.
    var chatFormat: Bool?

    enum CodingKeys: String, CodingKey {
        case architectures, modelType = "model_type", vocabSize = "vocab_size", nPositions = "n_positions"
        case nCtx = "n_ctx", nEmbd = "n_embd", nLayer = "n_layer", nHead = "n_head", nInner = "n_inner"
        case activationFunction = "activation_function", layerNormEpsilon = "layer_norm_epsilon"
        case tieWordEmbeddings = "tie_word_embeddings", numLabels = "num_labels"
        case bosTokenId = "bos_token_id", eosTokenId = "eos_token_id", padTokenId = "pad_token_id"
        case torchDtype = "torch_dtype", scaleAttnWeights = "scale_attn_weights"
        case scaleAttnByInverseLayerIdx = "scale_attn_by_inverse_layer_idx"
        case chatFormat = "rlhf_chat_format"
        case residPdrop = "resid_pdrop", embdPdrop = "embd_pdrop", attnPdrop = "attn_pdrop"
        case hiddenSize = "hidden_size", intermediateSize = "intermediate_size", numHiddenLayers = "num_hidden_layers"
        case numAttentionHeads = "num_attention_heads", numKeyValueHeads = "num_key_value_heads"
        case maxPositionEmbeddings = "max_position_embeddings", rmsNormEps = "rms_norm_eps", ropeTheta = "rope_theta"
        case ropeScaling = "rope_scaling", ropeParameters = "rope_parameters", hiddenAct = "hidden_act"
        case attentionBias = "attention_bias", mlpBias = "mlp_bias", headDim = "head_dim"
        case slidingWindow = "sliding_window", useSlidingWindow = "use_sliding_window"
        case hiddenActivation = "hidden_activation", queryPreAttnScalar = "query_pre_attn_scalar"
        case finalLogitSoftcapping = "final_logit_softcapping", attnLogitSoftcapping = "attn_logit_softcapping"
        case useBidirectionalAttention = "use_bidirectional_attention", layerTypes = "layer_types"
        case slidingWindowPattern = "sliding_window_pattern", ropeLocalBaseFreq = "rope_local_base_freq"
        case noRopeLayers = "no_rope_layers", noRopeLayerInterval = "no_rope_layer_interval"
    }

    /// The keys read as whole numbers (sizes, counts, ids of layers).
    static let wholeNumberKeys: Set<String> = [
        "vocab_size", "n_positions", "n_ctx", "n_embd", "n_layer", "n_head", "n_inner", "num_labels", "hidden_size",
        "intermediate_size", "num_hidden_layers", "num_attention_heads", "num_key_value_heads", "max_position_embeddings",
        "head_dim", "sliding_window", "sliding_window_pattern", "no_rope_layer_interval",
    ]

    init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        architectures = try c.decodeIfPresent([String].self, forKey: .architectures)
        modelType = try c.decodeIfPresent(String.self, forKey: .modelType)
        vocabSize = try c.decodeIfPresent(Int.self, forKey: .vocabSize)
        nPositions = try c.decodeIfPresent(Int.self, forKey: .nPositions)
        nCtx = try c.decodeIfPresent(Int.self, forKey: .nCtx)
        nEmbd = try c.decodeIfPresent(Int.self, forKey: .nEmbd)
        nLayer = try c.decodeIfPresent(Int.self, forKey: .nLayer)
        nHead = try c.decodeIfPresent(Int.self, forKey: .nHead)
        nInner = try c.decodeIfPresent(Int.self, forKey: .nInner)
        activationFunction = try c.decodeIfPresent(String.self, forKey: .activationFunction)
        layerNormEpsilon = try c.decodeIfPresent(Double.self, forKey: .layerNormEpsilon)
        tieWordEmbeddings = try c.decodeIfPresent(Bool.self, forKey: .tieWordEmbeddings)
        numLabels = try c.decodeIfPresent(Int.self, forKey: .numLabels)
        // Token ids that are not ids (null, text) are left unread, as before: they change no computation.
        bosTokenId = try? c.decodeIfPresent(TokenIDField.self, forKey: .bosTokenId)
        eosTokenId = try? c.decodeIfPresent(TokenIDField.self, forKey: .eosTokenId)
        padTokenId = try? c.decodeIfPresent(TokenIDField.self, forKey: .padTokenId)
        scaleAttnWeights = try c.decodeIfPresent(Bool.self, forKey: .scaleAttnWeights)
        scaleAttnByInverseLayerIdx = try c.decodeIfPresent(Bool.self, forKey: .scaleAttnByInverseLayerIdx)
        chatFormat = try c.decodeIfPresent(Bool.self, forKey: .chatFormat)
        hiddenSize = try c.decodeIfPresent(Int.self, forKey: .hiddenSize)
        intermediateSize = try c.decodeIfPresent(Int.self, forKey: .intermediateSize)
        numHiddenLayers = try c.decodeIfPresent(Int.self, forKey: .numHiddenLayers)
        numAttentionHeads = try c.decodeIfPresent(Int.self, forKey: .numAttentionHeads)
        numKeyValueHeads = try c.decodeIfPresent(Int.self, forKey: .numKeyValueHeads)
        maxPositionEmbeddings = try c.decodeIfPresent(Int.self, forKey: .maxPositionEmbeddings)
        rmsNormEps = try c.decodeIfPresent(Double.self, forKey: .rmsNormEps)
        ropeTheta = try c.decodeIfPresent(Double.self, forKey: .ropeTheta)
        ropeScaling = try c.decodeIfPresent(RopeParameters.self, forKey: .ropeScaling)
        ropeParameters = try c.decodeIfPresent(RopeField.self, forKey: .ropeParameters)
        hiddenAct = try c.decodeIfPresent(String.self, forKey: .hiddenAct)
        attentionBias = try c.decodeIfPresent(Bool.self, forKey: .attentionBias)
        mlpBias = try c.decodeIfPresent(Bool.self, forKey: .mlpBias)
        headDim = try c.decodeIfPresent(Int.self, forKey: .headDim)
        slidingWindow = try c.decodeIfPresent(Int.self, forKey: .slidingWindow)
        useSlidingWindow = try c.decodeIfPresent(Bool.self, forKey: .useSlidingWindow)
        hiddenActivation = try c.decodeIfPresent(String.self, forKey: .hiddenActivation)
        queryPreAttnScalar = try c.decodeIfPresent(Double.self, forKey: .queryPreAttnScalar)
        finalLogitSoftcapping = try c.decodeIfPresent(Double.self, forKey: .finalLogitSoftcapping)
        attnLogitSoftcapping = try c.decodeIfPresent(Double.self, forKey: .attnLogitSoftcapping)
        useBidirectionalAttention = try c.decodeIfPresent(Bool.self, forKey: .useBidirectionalAttention)
        layerTypes = try c.decodeIfPresent([String].self, forKey: .layerTypes)
        slidingWindowPattern = try c.decodeIfPresent(Int.self, forKey: .slidingWindowPattern)
        ropeLocalBaseFreq = try c.decodeIfPresent(Double.self, forKey: .ropeLocalBaseFreq)
        noRopeLayers = try c.decodeIfPresent([Int].self, forKey: .noRopeLayers)
        noRopeLayerInterval = try c.decodeIfPresent(Int.self, forKey: .noRopeLayerInterval)
    }

    /// The config.json this engine writes for a model.
    init(_ config: GPTConfig, scalarHead: Bool, endToken: Int?, tokenIDs: TokenIDs? = nil, chatFormat: Bool = false,
         precision: Precision = .float32) {
        self.chatFormat = chatFormat ? true : nil
        numLabels = scalarHead ? 1 : nil
        if let tokenIDs {  // the ids of the file the model came from
            bosTokenId = tokenIDs.bos.map { TokenIDField([$0]) }
            eosTokenId = tokenIDs.eos.map(TokenIDField.init)
            padTokenId = tokenIDs.pad.map { TokenIDField([$0]) }
        } else {
            bosTokenId = endToken.map { TokenIDField([$0]) }
            eosTokenId = bosTokenId
            padTokenId = bosTokenId
        }
        torchDtype = precision == .bfloat16 ? "bfloat16" : "float32"
        if config.family != .gpt2 {
            setLlama(config, scalarHead: scalarHead)
            return
        }
        architectures = [scalarHead ? "GPT2ForSequenceClassification" : "GPT2LMHeadModel"]
        modelType = "gpt2"
        vocabSize = config.vocabularySize
        nPositions = config.contextLength
        nCtx = config.contextLength
        nEmbd = config.width
        nLayer = config.layers
        nHead = config.heads
        activationFunction = "gelu_new"
        layerNormEpsilon = 1e-5
        tieWordEmbeddings = true
        (residPdrop, embdPdrop, attnPdrop) = (0, 0, 0)
    }

    /// The special token ids the file names (nil when it names none).
    var tokenIDs: TokenIDs? {
        guard bosTokenId != nil || eosTokenId != nil || padTokenId != nil else { return nil }
        return TokenIDs(bos: bosTokenId?.ids.first, eos: eosTokenId?.ids, pad: padTokenId?.ids.first)
    }

    /// The engine's config, or why this file's model cannot run here.
    func engineConfig(path: String) throws -> GPTConfig {
        func need(_ value: Int?, _ key: String) throws -> Int {
            guard let value else { throw ModelFileError.badConfig(path: path, reason: "config.json has no '\(key)'") }
            return value
        }
        if let modelType, modelType != "gpt2" {
            guard let family = GPTConfig.Family(rawValue: modelType) else {
                let known = GPTConfig.Family.allCases.map { "'\($0.rawValue)'" }.joined(separator: ", ")
                throw ModelFileError.badConfig(path: path, reason: "model_type is '\(modelType)'; supported: \(known)")
            }
            return try llamaConfig(family, path: path)
        }
        let config = GPTConfig(
            layers: try need(nLayer, "n_layer"), heads: try need(nHead, "n_head"), width: try need(nEmbd, "n_embd"),
            contextLength: try need(nPositions ?? nCtx, "n_positions"), vocabularySize: try need(vocabSize, "vocab_size"))
        if let problem = config.problem { throw ModelFileError.badConfig(path: path, reason: problem) }
        if let nInner, nInner != 4 * config.width {
            throw ModelFileError.badConfig(path: path, reason: "n_inner is \(nInner); only 4·n_embd MLPs are supported")
        }
        if let f = activationFunction, !["gelu_new", "gelu_pytorch_tanh", "gelu_fast"].contains(f) {
            throw ModelFileError.badConfig(path: path, reason: "activation_function '\(f)' is not GPT-2's tanh GELU")
        }
        if let eps = layerNormEpsilon, abs(eps - 1e-5) > 1e-9 {
            throw ModelFileError.badConfig(path: path, reason: "layer_norm_epsilon is \(eps); the engine uses GPT-2's 1e-5")
        }
        if scaleAttnWeights == false || scaleAttnByInverseLayerIdx == true {
            throw ModelFileError.badConfig(path: path, reason: "the attention scaling differs from GPT-2's 1/√(head size) "
                + "(scale_attn_weights / scale_attn_by_inverse_layer_idx); this engine computes only GPT-2's")
        }
        if tieWordEmbeddings == false {
            throw ModelFileError.badConfig(path: path, reason: "tie_word_embeddings is false; the LM head must be tied")
        }
        return config
    }
}
