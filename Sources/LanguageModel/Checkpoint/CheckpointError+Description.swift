import Foundation

extension CheckpointError: LocalizedError {
    /// What went wrong, in which file (and tensor), and what to do next.
    public var errorDescription: String? {
        let resave = "Re-download the checkpoint or save it again."
        switch self {
        case let .io(path, operation, reason):
            return "\(path): cannot \(operation): \(reason). Check the path and its permissions."
        case let .refused(path, problem):
            return "\(path): \(problem)"
        case let .fileTooShort(path, size):
            return "\(path): not a safetensors file: it is \(size) bytes long, shorter than "
                + "the 8-byte header length that starts every safetensors file. \(resave)"
        case let .headerTooLarge(path, headerLength):
            return "\(path): the header length field says \(headerLength) bytes, more than the "
                + "\(Safetensors.maximumHeaderLength)-byte limit; this is not a safetensors file "
                + "or it is corrupt. \(resave)"
        case let .headerPastEnd(path, headerLength, fileSize):
            return "\(path): the header length field says \(headerLength) bytes but only "
                + "\(max(fileSize - 8, 0)) bytes follow it: the file is truncated or not a "
                + "safetensors file. \(resave)"
        case let .malformedHeader(path, reason):
            return "\(path): the safetensors header is not valid: \(reason). \(resave)"
        case let .malformedMetadata(path, reason):
            return "\(path): \"__metadata__\" is not valid: \(reason); it must map strings "
                + "to strings. \(resave)"
        case let .malformedEntry(path, tensor, reason):
            return "\(path): tensor '\(tensor)': \(reason). Each tensor needs \"dtype\" (a string), "
                + "\"shape\" (an array of integers) and \"data_offsets\" ([begin, end]). \(resave)"
        case let .unknownDType(path, tensor, dtype):
            return "\(path): tensor '\(tensor)' has unknown dtype \"\(dtype)\". Save the "
                + "checkpoint as F32, F16 or BF16."
        case let .unsupportedDType(path, tensor, dtype):
            return "\(path): tensor '\(tensor)' has dtype \(dtype), which cannot be read as "
                + "floats; only F32, F16 and BF16 can. Convert the checkpoint to F32."
        case let .invalidShape(path, tensor, reason):
            return "\(path): tensor '\(tensor)' has an invalid shape: \(reason). \(resave)"
        case let .elementCountOverflow(path, tensor, shape):
            return "\(path): tensor '\(tensor)' has shape \(shape), whose element count "
                + "overflows; the header is corrupt. \(resave)"
        case let .invalidOffsets(path, tensor, reason):
            return "\(path): tensor '\(tensor)' has invalid data_offsets: \(reason). \(resave)"
        case let .byteLengthMismatch(path, tensor, expected, actual):
            return "\(path): tensor '\(tensor)' occupies \(actual) bytes but its shape and "
                + "dtype need \(expected); the header is inconsistent. \(resave)"
        case let .truncated(path, tensor, end, fileSize):
            return "\(path): the file is truncated: tensor '\(tensor)' ends at byte \(end) "
                + "but the file is only \(fileSize) bytes long. \(resave)"
        case let .overlappingTensors(path, first, second):
            return "\(path): tensors '\(first)' and '\(second)' overlap in the file; the header "
                + "is corrupt. \(resave)"
        case let .tensorNotFound(path, tensor):
            return "\(path): there is no tensor named '\(tensor)'. Check that the checkpoint "
                + "matches the model configuration."
        case let .countMismatch(path, tensor, expected, requested):
            return "\(path): tensor '\(tensor)' has \(expected) elements but \(requested) were "
                + "requested. Check that the checkpoint matches the model configuration."
        case let .nonFiniteValue(path, tensor, index, value):
            return "\(path): tensor '\(tensor)' contains \(value) at element \(index). The "
                + "checkpoint is damaged (training diverged?); load an earlier checkpoint."
        case let .invalidTensorForWriting(path, tensor, reason):
            return "\(path): cannot save tensor '\(tensor)': \(reason). Nothing was written."
        }
    }
}
