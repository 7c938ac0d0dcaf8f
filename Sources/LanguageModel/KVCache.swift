import Kernels

/// Keys and values of every layer for a batch of sequences being sampled,
/// so each new token costs one row through the model instead of the whole
/// prefix. Also holds the scratch rows of the cached forward pass.
public final class KVCache {
    /// Number of sequences (slots).
    public let slots: Int
    /// Positions per slot (at most the model's context).
    public let capacity: Int
    let config: GPTConfig
    let keys: FloatBuffer, values: FloatBuffer  // (L, slots, kvHeads, capacity, hs)
    private var scratch: FloatBuffer?
    private(set) var rowCapacity = 0
    private(set) var logitRowCapacity = 0

    /// A cache for `slots` sequences of up to `capacity` tokens of a model of `config`.
    public init(config: GPTConfig, slots: Int, capacity: Int) {
        precondition(slots > 0 && capacity > 0 && capacity <= config.contextLength,
                     "KVCache: need 1...\(config.contextLength) positions and at least one slot")
        self.config = config
        self.slots = slots
        self.capacity = capacity
        let n = Self.floats(config, slots: slots, capacity: capacity) / 2
        keys = FloatBuffer(count: n)
        values = FloatBuffer(count: n)
    }

    /// Floats of the keys and values of `slots` sequences of `capacity` positions.
    static func floats(_ config: GPTConfig, slots: Int, capacity: Int) -> Int {
        2 * config.layers * slots * capacity * config.kvHeads * config.headSize
    }

    /// Floats per layer: a key (or value) per slot, key/value head and position.
    var layerFloats: Int { slots * capacity * config.kvHeads * config.headSize }
    /// The layer-l key cache (slots, kvHeads, capacity, hs).
    func keys(layer l: Int) -> UnsafeMutablePointer<Float> { keys.pointer + l * layerFloats }
    /// The layer-l value cache (slots, kvHeads, capacity, hs).
    func values(layer l: Int) -> UnsafeMutablePointer<Float> { values.pointer + l * layerFloats }

    /// Scratch for `rows` rows of the cached forward pass and `logitRows` rows of logits.
    func rows(_ rows: Int, logitRows: Int) -> CachedRows {
        if rows > rowCapacity || logitRows > logitRowCapacity || scratch == nil {
            rowCapacity = max(rows, rowCapacity)
            logitRowCapacity = max(logitRows, logitRowCapacity)
            scratch = FloatBuffer(count: CachedRows.floats(config, rows: rowCapacity, logitRows: logitRowCapacity))
        }
        return CachedRows(scratch!.pointer, config, rows: rowCapacity, logitRows: logitRowCapacity)
    }
}

/// Views into the cached forward pass's scratch.
struct CachedRows {
    let x, ln, qkvRaw, qkv, atty, proj, normed, fch, act, gathered, logits: UnsafeMutablePointer<Float>
    let mean, rstd, qkRstd: UnsafeMutablePointer<Float>

    static func floats(_ c: GPTConfig, rows R: Int, logitRows: Int) -> Int {
        R * (4 * c.width + 2 * c.qkvWidth + c.attentionWidth + c.fcWidth + c.hidden) + R * (2 + c.heads + c.kvHeads)
            + logitRows * (c.width + c.vocabularySize)
    }

    init(_ base: UnsafeMutablePointer<Float>, _ c: GPTConfig, rows R: Int, logitRows: Int) {
        let C = c.width
        var cursor = base
        func take(_ n: Int) -> UnsafeMutablePointer<Float> { defer { cursor += n }; return cursor }
        x = take(R * C); ln = take(R * C); qkv = take(R * c.qkvWidth); atty = take(R * c.attentionWidth); proj = take(R * C)
        normed = take(R * C)
        let raw = take(R * c.qkvWidth)
        qkvRaw = c.architecture.qkNorm == .none ? qkv : raw
        fch = take(R * c.fcWidth); act = take(R * c.hidden)
        mean = take(R); rstd = take(R); qkRstd = take(R * (c.heads + c.kvHeads))
        gathered = take(logitRows * C); logits = take(logitRows * c.vocabularySize)
    }
}
