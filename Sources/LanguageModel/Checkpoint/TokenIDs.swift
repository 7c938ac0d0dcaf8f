/// The special token ids a model's config.json names (`bos_token_id`,
/// `eos_token_id` — one id or a list, as Llama 3 and Gemma 3 give —,
/// `pad_token_id`): kept from the file a model was loaded from and written
/// back when it is saved, so that transformers reads the saved folder with the
/// ids it came with (and not its class's defaults, which may lie outside a
/// small model's vocabulary).
public struct TokenIDs: Sendable, Equatable {
    public var bos: Int?
    public var eos: [Int]?
    public var pad: Int?

    public init(bos: Int? = nil, eos: [Int]? = nil, pad: Int? = nil) {
        self.bos = bos
        self.eos = eos
        self.pad = pad
    }
}

/// A token id field of config.json: one id, or a list of them.
struct TokenIDField: Codable, Equatable {
    var ids: [Int]

    init(_ ids: [Int]) { self.ids = ids }

    init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let one = try? c.decode(Int.self) { ids = [one] } else { ids = try c.decode([Int].self) }
    }

    func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        if ids.count == 1 { try c.encode(ids[0]) } else { try c.encode(ids) }
    }
}
