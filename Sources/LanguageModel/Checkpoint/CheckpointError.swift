/// Why a checkpoint could not be read or written.
///
/// Every case names the file; cases about one tensor also name the tensor.
/// `errorDescription` says what is wrong and what to do about it.
public enum CheckpointError: Error, Equatable, Sendable {
    /// An operating-system call failed (`operation` is e.g. "open for reading").
    case io(path: String, operation: String, reason: String)
    /// The file was not read as it is: a special file (FIFO, device), or too large.
    /// `problem` says what it is and what to do.
    case refused(path: String, problem: String)
    /// The file is shorter than the 8-byte header-length field.
    case fileTooShort(path: String, size: Int)
    /// The header-length field exceeds `Safetensors.maximumHeaderLength`.
    case headerTooLarge(path: String, headerLength: UInt64)
    /// The header-length field points past the end of the file.
    case headerPastEnd(path: String, headerLength: UInt64, fileSize: Int)
    /// The header is not UTF-8 JSON, not an object, or has duplicate keys.
    case malformedHeader(path: String, reason: String)
    /// `__metadata__` is not an object of strings.
    case malformedMetadata(path: String, reason: String)
    /// A tensor entry lacks `dtype`, `shape` or `data_offsets`, or one has the wrong type.
    case malformedEntry(path: String, tensor: String, reason: String)
    /// A dtype this reader does not know at all (so its size is unknown).
    case unknownDType(path: String, tensor: String, dtype: String)
    /// A known dtype that cannot be converted to `Float` (e.g. I64).
    case unsupportedDType(path: String, tensor: String, dtype: String)
    /// A shape with a negative or non-integer dimension.
    case invalidShape(path: String, tensor: String, reason: String)
    /// The product of the shape, or the byte length it implies, does not fit in `Int`.
    case elementCountOverflow(path: String, tensor: String, shape: [Int])
    /// `data_offsets` is not an ordered pair of non-negative integers.
    case invalidOffsets(path: String, tensor: String, reason: String)
    /// `end - begin` differs from element count times dtype size.
    case byteLengthMismatch(path: String, tensor: String, expected: Int, actual: Int)
    /// The tensor's bytes end past the end of the file.
    case truncated(path: String, tensor: String, end: Int, fileSize: Int)
    /// Two tensors share bytes.
    case overlappingTensors(path: String, first: String, second: String)
    /// No tensor of that name is in the file.
    case tensorNotFound(path: String, tensor: String)
    /// The caller's buffer size differs from the tensor's element count.
    case countMismatch(path: String, tensor: String, expected: Int, requested: Int)
    /// A NaN or infinity; `value` is "NaN", "+inf" or "-inf".
    case nonFiniteValue(path: String, tensor: String, index: Int, value: String)
    /// A tensor handed to `Safetensors.write` cannot be written.
    case invalidTensorForWriting(path: String, tensor: String, reason: String)
}

extension Float {
    /// "NaN", "+inf" or "-inf", as `CheckpointError` messages name a bad value.
    var nonFiniteName: String { isNaN ? "NaN" : (self > 0 ? "+inf" : "-inf") }
}
