import Foundation

/// The shape of a GPT-2 style model, read from and written to Hugging Face's
/// GPT-2 `config.json` (`n_layer`, `n_head`, `n_embd`, `n_positions`, `vocab_size`).
public struct GPTConfig: Codable, Sendable, Equatable {
    /// Number of transformer blocks (`n_layer`).
    public var layers: Int
    /// Attention heads per block (`n_head`); must divide `width`.
    public var heads: Int
    /// Width of the residual stream (`n_embd`).
    public var width: Int
    /// Longest sequence the position table covers (`n_positions`).
    public var contextLength: Int
    /// Number of token ids (`vocab_size`).
    public var vocabularySize: Int

    /// A config with the given shape.
    public init(layers: Int, heads: Int, width: Int, contextLength: Int, vocabularySize: Int) {
        self.layers = layers
        self.heads = heads
        self.width = width
        self.contextLength = contextLength
        self.vocabularySize = vocabularySize
    }

    enum CodingKeys: String, CodingKey {
        case layers = "n_layer", heads = "n_head", width = "n_embd"
        case contextLength = "n_positions", vocabularySize = "vocab_size"
    }

    /// Why a config cannot be used, or nil when it can.
    public var problem: String? {
        if layers < 1 || layers > 256 { return "n_layer must be between 1 and 256 (is \(layers))" }
        if heads < 1 || heads > 256 { return "n_head must be between 1 and 256 (is \(heads))" }
        if width < 1 || width > 16384 { return "n_embd must be between 1 and 16384 (is \(width))" }
        if width % heads != 0 { return "n_embd (\(width)) must be a multiple of n_head (\(heads))" }
        if contextLength < 1 || contextLength > 65536 {
            return "n_positions must be between 1 and 65536 (is \(contextLength))"
        }
        if vocabularySize < 1 || vocabularySize > 1 << 20 {
            return "vocab_size must be between 1 and 1048576 (is \(vocabularySize))"
        }
        return nil
    }

    /// The reference configs of the benchmark.
    public static let tiny = GPTConfig(layers: 4, heads: 4, width: 256, contextLength: 128, vocabularySize: 512)
    /// The larger reference config of the benchmark.
    public static let small = GPTConfig(layers: 6, heads: 6, width: 384, contextLength: 256, vocabularySize: 8192)
    /// OpenAI's GPT-2 (124M).
    public static let gpt2 = GPTConfig(layers: 12, heads: 12, width: 768, contextLength: 1024, vocabularySize: 50257)
}
