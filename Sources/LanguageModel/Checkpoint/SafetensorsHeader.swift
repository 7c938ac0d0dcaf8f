/// The validated contents of a safetensors header: every tensor, sorted by
/// position in the file, and the `__metadata__` strings.
///
/// Layout (huggingface/safetensors README, "Format"): a JSON object mapping each
/// tensor name to `{"dtype": "F32", "shape": [2, 3], "data_offsets": [begin, end]}`,
/// offsets relative to the data section that follows the header, plus an
/// optional `"__metadata__"` object of strings.
///
/// Checked here: types of every field, known dtype, non-negative integer shape,
/// no overflow of element or byte count, `end - begin` equal to the byte count,
/// every range inside the file, and no two ranges sharing a byte. Gaps between
/// tensors and trailing bytes are allowed (the reference reader refuses them,
/// but they cannot make a reader misbehave).
struct SafetensorsHeader {
    /// Every tensor, ordered by byte offset (then name).
    let tensors: [SafetensorsTensor]
    /// The `__metadata__` map, empty when absent.
    let metadata: [String: String]

    /// Validates header bytes read from `path`, whose data section starts at
    /// `dataStart` in a file of `fileSize` bytes.
    init(bytes: [UInt8], path: String, dataStart: Int, fileSize: Int) throws {
        guard Self.isValidUTF8(bytes) else {
            throw CheckpointError.malformedHeader(path: path, reason: "it is not UTF-8 text")
        }
        let json: HeaderJSON
        do {
            json = try HeaderJSONParser.parse(bytes)
        } catch {
            let place = "at byte \(error.offset) of the header: \(error.message)"
            throw CheckpointError.malformedHeader(
                path: path, reason: error.isDuplicateKey ? place : "it is not JSON (\(place))")
        }
        guard case .object(let members) = json else {
            throw CheckpointError.malformedHeader(
                path: path, reason: "it is \(json.kindDescription), not a JSON object")
        }
        var metadata: [String: String] = [:]
        var tensors: [SafetensorsTensor] = []
        for (key, value) in members {
            if key == "__metadata__" {
                metadata = try Self.metadata(value, path: path)
            } else {
                tensors.append(try Self.tensor(key, value, path: path, dataStart: dataStart, fileSize: fileSize))
            }
        }
        tensors.sort { ($0.byteRange.lowerBound, $0.byteRange.upperBound, $0.name)
            < ($1.byteRange.lowerBound, $1.byteRange.upperBound, $1.name) }
        try Self.checkNoOverlap(tensors, path: path)
        self.tensors = tensors
        self.metadata = metadata
    }

    private static func isValidUTF8(_ bytes: [UInt8]) -> Bool {
        var iterator = bytes.makeIterator()
        var decoder = UTF8()
        while true {
            switch decoder.decode(&iterator) {
            case .scalarValue: continue
            case .emptyInput: return true
            case .error: return false
            }
        }
    }

    private static func metadata(_ value: HeaderJSON, path: String) throws -> [String: String] {
        guard case .object(let members) = value else {
            throw CheckpointError.malformedMetadata(path: path, reason: "it is \(value.kindDescription)")
        }
        var result: [String: String] = [:]
        for (key, entry) in members {
            guard case .string(let text) = entry else {
                throw CheckpointError.malformedMetadata(
                    path: path, reason: "the value of \(jsonQuoted(key)) is \(entry.kindDescription)")
            }
            result[key] = text
        }
        return result
    }

    private static func tensor(
        _ name: String, _ entry: HeaderJSON, path: String, dataStart: Int, fileSize: Int
    ) throws -> SafetensorsTensor {
        func malformed(_ reason: String) -> CheckpointError {
            .malformedEntry(path: path, tensor: name, reason: reason)
        }
        guard case .object = entry else { throw malformed("its entry is \(entry.kindDescription), not an object") }
        guard let dtypeValue = entry["dtype"] else { throw malformed("\"dtype\" is missing") }
        guard case .string(let dtypeName) = dtypeValue else {
            throw malformed("\"dtype\" is \(dtypeValue.kindDescription), not a string")
        }
        guard let dtype = SafetensorsDType(rawValue: dtypeName) else {
            throw CheckpointError.unknownDType(path: path, tensor: name, dtype: dtypeName)
        }
        guard let shapeValue = entry["shape"] else { throw malformed("\"shape\" is missing") }
        guard case .array(let dimensions) = shapeValue else {
            throw malformed("\"shape\" is \(shapeValue.kindDescription), not an array")
        }
        guard let offsetsValue = entry["data_offsets"] else { throw malformed("\"data_offsets\" is missing") }
        guard case .array(let offsets) = offsetsValue else {
            throw malformed("\"data_offsets\" is \(offsetsValue.kindDescription), not an array")
        }

        var shape: [Int] = []
        for (axis, dimension) in dimensions.enumerated() {
            guard let size = dimension.integer, size >= 0 else {
                throw CheckpointError.invalidShape(
                    path: path, tensor: name,
                    reason: "dimension \(axis) is \(dimension.kindDescription); dimensions must be "
                        + "non-negative integers that fit in 64 bits")
            }
            shape.append(size)
        }
        var elementCount = 1
        for size in shape {
            let (product, overflow) = elementCount.multipliedReportingOverflow(by: size)
            guard !overflow else { throw CheckpointError.elementCountOverflow(path: path, tensor: name, shape: shape) }
            elementCount = product
        }
        let (byteCount, byteOverflow) = elementCount.multipliedReportingOverflow(by: dtype.byteSize)
        guard !byteOverflow else { throw CheckpointError.elementCountOverflow(path: path, tensor: name, shape: shape) }

        guard offsets.count == 2 else {
            throw CheckpointError.invalidOffsets(
                path: path, tensor: name, reason: "expected [begin, end] but found \(offsets.count) values")
        }
        guard let begin = offsets[0].integer, let end = offsets[1].integer, begin >= 0, end >= 0 else {
            throw CheckpointError.invalidOffsets(
                path: path, tensor: name,
                reason: "[\(offsets[0].kindDescription), \(offsets[1].kindDescription)] is not a pair "
                    + "of non-negative integers")
        }
        guard end >= begin else {
            throw CheckpointError.invalidOffsets(path: path, tensor: name, reason: "end \(end) is before begin \(begin)")
        }
        guard end - begin == byteCount else {
            throw CheckpointError.byteLengthMismatch(path: path, tensor: name, expected: byteCount, actual: end - begin)
        }
        let (fileEnd, endOverflow) = dataStart.addingReportingOverflow(end)
        guard !endOverflow, fileEnd <= fileSize else {
            throw CheckpointError.truncated(
                path: path, tensor: name, end: endOverflow ? Int.max : fileEnd, fileSize: fileSize)
        }
        return SafetensorsTensor(
            name: name, dtype: dtype, shape: shape, elementCount: elementCount,
            byteRange: (dataStart + begin)..<fileEnd)
    }

    /// `tensors` is sorted by start; empty tensors occupy no bytes and overlap nothing.
    private static func checkNoOverlap(_ tensors: [SafetensorsTensor], path: String) throws {
        var previous: SafetensorsTensor?
        for tensor in tensors where !tensor.byteRange.isEmpty {
            if let previous, tensor.byteRange.lowerBound < previous.byteRange.upperBound {
                throw CheckpointError.overlappingTensors(path: path, first: previous.name, second: tensor.name)
            }
            previous = tensor  // sorted and not overlapping, so its end is the furthest yet
        }
    }
}
