import LanguageModel

/// Small configs of the families past Llama, each with what sets it apart
/// switched on: Qwen3's per-head q/k norm with a head size other than width /
/// heads, OLMo 2's norms after each sublayer and whole-projection q/k norm,
/// Gemma 3's (1 + w) norms on both sides, GeGLU, scaled embedding, query
/// scalar and a sliding-window layer with its own rotary base beside a global
/// one, SmolLM3's layer without rotary positions.
enum FamilyShapes {
    static func configs(width: Int, heads: Int, kvHeads: Int, mlpWidth: Int, contextLength: Int, vocabularySize: Int,
                        window: Int) -> [GPTConfig] {
        func make(_ family: GPTConfig.Family, tied: Bool = false) -> GPTConfig {
            .llama(layers: 2, heads: heads, keyValueHeads: kvHeads, width: width, mlpWidth: mlpWidth, contextLength: contextLength,
                   vocabularySize: vocabularySize, normEpsilon: 1e-6, ropeTheta: 100, tiedHead: tied, family: family)
        }
        var qwen3 = make(.qwen3)
        qwen3.headDimension = width / heads + 2
        var olmo2 = make(.olmo2)
        olmo2.headDimension = width / heads + 2
        var gemma3 = make(.gemma3, tied: true)
        gemma3.headDimension = width / heads + 2
        gemma3.queryScalar = 7
        gemma3.slidingWindow = window
        gemma3.slidingLayers = [true, false]
        gemma3.localRopeTheta = 30
        var smollm3 = make(.smollm3, tied: true)
        smollm3.rotaryLayers = [true, false]
        return [qwen3, olmo2, gemma3, smollm3]
    }
}
