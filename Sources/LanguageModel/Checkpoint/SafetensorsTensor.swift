/// An element type that may appear in a safetensors header.
///
/// The names and sizes are the `Dtype` enum of huggingface/safetensors
/// (`safetensors/src/tensor.rs`). Only `f32`, `f16` and `bf16` can be read as
/// floats; the others are recognised so that a file holding, say, an `I64`
/// buffer still opens and its float tensors can be read.
public enum SafetensorsDType: String, Sendable, CaseIterable {
    /// One byte, 0 or 1.
    case bool = "BOOL"
    /// Unsigned 8-bit integer.
    case uint8 = "U8"
    /// Signed 8-bit integer.
    case int8 = "I8"
    /// 8-bit float, 5 exponent bits.
    case float8E5M2 = "F8_E5M2"
    /// 8-bit float, 4 exponent bits.
    case float8E4M3 = "F8_E4M3"
    /// 8-bit power-of-two scale.
    case float8E8M0 = "F8_E8M0"
    /// Signed 16-bit integer.
    case int16 = "I16"
    /// Unsigned 16-bit integer.
    case uint16 = "U16"
    /// IEEE 754 binary16.
    case float16 = "F16"
    /// bfloat16: the top 16 bits of a binary32.
    case bfloat16 = "BF16"
    /// Signed 32-bit integer.
    case int32 = "I32"
    /// Unsigned 32-bit integer.
    case uint32 = "U32"
    /// IEEE 754 binary32.
    case float32 = "F32"
    /// IEEE 754 binary64.
    case float64 = "F64"
    /// Signed 64-bit integer.
    case int64 = "I64"
    /// Unsigned 64-bit integer.
    case uint64 = "U64"

    /// Bytes per element.
    public var byteSize: Int {
        switch self {
        case .bool, .uint8, .int8, .float8E5M2, .float8E4M3, .float8E8M0: 1
        case .int16, .uint16, .float16, .bfloat16: 2
        case .int32, .uint32, .float32: 4
        case .float64, .int64, .uint64: 8
        }
    }

    /// Whether `SafetensorsFile.readFloats` can convert this type to `Float`.
    public var isReadableAsFloat: Bool {
        self == .float32 || self == .float16 || self == .bfloat16
    }
}

/// One tensor described by a safetensors header (validated, not yet read).
public struct SafetensorsTensor: Sendable, Equatable {
    /// The tensor's name, e.g. `transformer.h.0.attn.c_attn.weight`.
    public let name: String
    /// Its element type.
    public let dtype: SafetensorsDType
    /// Its dimensions, row-major; `[]` is a scalar.
    public let shape: [Int]
    /// The product of `shape` (1 for a scalar, 0 if any dimension is 0).
    public let elementCount: Int
    /// Where its bytes are, as absolute offsets in the file (the header's
    /// `data_offsets` plus 8 plus the header length).
    public let byteRange: Range<Int>
}
