import Foundation
import Kernels

/// An open safetensors file whose header has been read and validated; tensor
/// data is read on demand with `readFloats`.
///
/// Format (huggingface/safetensors README, "Format"): 8 bytes little-endian
/// u64 `N`, then `N` bytes of UTF-8 JSON (see `SafetensorsHeader`), then the
/// data section, tensors row-major and little-endian.
///
/// The file stays open, and every read goes to that one descriptor, so the
/// header and all tensors come from the same file even if another is renamed
/// over the path meanwhile (as a save does); it is closed when the value goes.
/// Data is read with `pread`, not memory-mapped: a mapped file that another
/// process truncates kills the reader with SIGBUS, while `pread` reports a
/// short read that becomes a `CheckpointError.truncated`.
public final class SafetensorsFile: Sendable {
    /// Where the file is.
    public let url: URL
    /// Its size in bytes when it was opened.
    public let fileSize: Int
    /// The header length `N` (the data section starts at `8 + N`).
    public let headerLength: Int
    /// Every tensor, by name.
    public let tensors: [String: SafetensorsTensor]
    /// Tensor names ordered by their position in the file.
    public let names: [String]
    /// The header's `__metadata__` strings (empty when absent).
    public let metadata: [String: String]
    /// The open file every read goes to.
    private let file: FileDescriptor

    /// Reads and validates the header of the file at `url` (the first `8 + N`
    /// bytes only); refuses a hostile or inconsistent header before allocating
    /// anything sized by it.
    ///
    /// - Throws: `CheckpointError` naming the file, and the tensor when one is at fault.
    /// - Complexity: O(N) in the header length; tensor data is not touched.
    public static func open(_ url: URL) throws -> SafetensorsFile {
        let path = url.path
        let file = try FileDescriptor.openFile(path, flags: O_RDONLY, reporting: path, operation: "open for reading")
        return try SafetensorsFile(reading: file, url: url)
    }

    /// Takes over the open `file` (closing it on failure too) and reads its header.
    init(reading file: FileDescriptor, url: URL) throws {
        let path = url.path
        var isOwned = false
        defer { if !isOwned { file.closeIgnoringErrors() } }
        let fileSize = try file.size()
        guard fileSize >= 8 else { throw CheckpointError.fileTooShort(path: path, size: fileSize) }

        var lengthField: UInt64 = 0
        let lengthRead = try withUnsafeMutableBytes(of: &lengthField) { try file.readFully(into: $0, at: 0) }
        guard lengthRead == 8 else { throw CheckpointError.fileTooShort(path: path, size: lengthRead) }
        let headerLength = UInt64(littleEndian: lengthField)
        guard headerLength <= Safetensors.maximumHeaderLength else {
            throw CheckpointError.headerTooLarge(path: path, headerLength: headerLength)
        }
        guard headerLength <= UInt64(fileSize - 8) else {
            throw CheckpointError.headerPastEnd(path: path, headerLength: headerLength, fileSize: fileSize)
        }

        var headerBytes = [UInt8](repeating: 0, count: Int(headerLength))
        let headerRead = try headerBytes.withUnsafeMutableBytes { try file.readFully(into: $0, at: 8) }
        guard headerRead == headerBytes.count else {
            throw CheckpointError.headerPastEnd(path: path, headerLength: headerLength, fileSize: 8 + headerRead)
        }
        let header = try SafetensorsHeader(
            bytes: headerBytes, path: path, dataStart: 8 + Int(headerLength), fileSize: fileSize)

        var tensors: [String: SafetensorsTensor] = [:]
        for tensor in header.tensors { tensors[tensor.name] = tensor }
        self.url = url
        self.fileSize = fileSize
        self.headerLength = Int(headerLength)
        self.tensors = tensors
        self.names = header.tensors.map(\.name)
        self.metadata = header.metadata
        self.file = file
        isOwned = true
    }

    deinit { file.closeIgnoringErrors() }

    /// Reads tensor `name` into `destination` as `Float`s, converting F16 and
    /// BF16 exactly, with `pread` from the file opened by `open`.
    ///
    /// `count` must equal the tensor's element count. On error the contents
    /// of `destination` are unspecified.
    ///
    /// - Throws: `CheckpointError` if the tensor is absent, `count` differs,
    ///   the dtype is not F32/F16/BF16, the file is now shorter than its
    ///   header says, or a value is NaN or infinite.
    /// - Complexity: O(count); F16 and BF16 go through a 128 KB scratch buffer.
    public func readFloats(_ name: String, into destination: UnsafeMutablePointer<Float>, count: Int) throws {
        let path = url.path
        let tensor = try floatTensor(name)
        guard count == tensor.elementCount else {
            throw CheckpointError.countMismatch(path: path, tensor: name, expected: tensor.elementCount, requested: count)
        }
        guard count > 0 else { return }

        func readExactly(_ buffer: UnsafeMutableRawBufferPointer, at offset: Int) throws {
            guard try file.readFully(into: buffer, at: offset) == buffer.count else {
                throw CheckpointError.truncated(
                    path: path, tensor: name, end: tensor.byteRange.upperBound, fileSize: try file.size())
            }
        }
        func check(_ value: Float, at index: Int) throws {
            guard value.isFinite else {
                throw CheckpointError.nonFiniteValue(
                    path: path, tensor: name, index: index, value: value.nonFiniteName)
            }
        }

        if tensor.dtype == .float32 {
            try readExactly(UnsafeMutableRawBufferPointer(start: destination, count: tensor.byteRange.count),
                            at: tensor.byteRange.lowerBound)
            for index in 0..<count {
                let value = Float(bitPattern: UInt32(littleEndian: destination[index].bitPattern))
                try check(value, at: index)
                destination[index] = value
            }
            return
        }
        let convert = tensor.dtype == .float16 ? HalfFloat.float(fromHalfBits:) : HalfFloat.float(fromBFloat16Bits:)
        let chunkLength = min(count, 65_536)
        let scratch = UnsafeMutableBufferPointer<UInt16>.allocate(capacity: chunkLength)
        defer { scratch.deallocate() }
        var start = 0
        while start < count {
            let length = min(chunkLength, count - start)
            try readExactly(UnsafeMutableRawBufferPointer(start: scratch.baseAddress, count: length * 2),
                            at: tensor.byteRange.lowerBound + start * 2)
            for offset in 0..<length {
                let value = convert(UInt16(littleEndian: scratch[offset]))
                try check(value, at: start + offset)
                destination[start + offset] = value
            }
            start += length
        }
    }

    /// Reads tensor `name` into `destination` as bfloat16 bit patterns: BF16
    /// as it is (checked finite), F32 and F16 rounded to nearest even.
    ///
    /// - Throws: as `readFloats`.
    /// - Complexity: O(count); F32 and F16 go through a scratch of the tensor's size in floats.
    public func readBFloat16(_ name: String, into destination: UnsafeMutablePointer<UInt16>, count: Int) throws {
        let tensor = try floatTensor(name)
        guard tensor.dtype == .bfloat16 else {
            let floats = UnsafeMutablePointer<Float>.allocate(capacity: max(count, 1))
            defer { floats.deallocate() }
            try readFloats(name, into: floats, count: count)
            BFloat16.narrow(floats, destination, count)
            return
        }
        guard count == tensor.elementCount else {
            throw CheckpointError.countMismatch(path: url.path, tensor: name, expected: tensor.elementCount, requested: count)
        }
        guard count > 0 else { return }
        guard try file.readFully(into: UnsafeMutableRawBufferPointer(start: destination, count: count * 2),
                                 at: tensor.byteRange.lowerBound) == count * 2 else {
            throw CheckpointError.truncated(path: url.path, tensor: name, end: tensor.byteRange.upperBound, fileSize: try file.size())
        }
        for index in 0..<count {
            let bits = UInt16(littleEndian: destination[index])
            guard BFloat16.isFinite(bits) else {
                throw CheckpointError.nonFiniteValue(path: url.path, tensor: name, index: index,
                                                     value: BFloat16.float(bits).nonFiniteName)
            }
            destination[index] = bits
        }
    }

    /// Tensor `name` as a new array of `Float`s; see `readFloats(_:into:count:)`.
    public func readFloats(_ name: String) throws -> [Float] {
        let count = try floatTensor(name).elementCount
        guard count > 0 else { return [] }
        var values = [Float](repeating: 0, count: count)
        try values.withUnsafeMutableBufferPointer { try readFloats(name, into: $0.baseAddress!, count: count) }
        return values
    }

    /// Tensor `name`, if it exists and its dtype converts to `Float`.
    private func floatTensor(_ name: String) throws -> SafetensorsTensor {
        guard let tensor = tensors[name] else { throw CheckpointError.tensorNotFound(path: url.path, tensor: name) }
        guard tensor.dtype.isReadableAsFloat else {
            throw CheckpointError.unsupportedDType(path: url.path, tensor: name, dtype: tensor.dtype.rawValue)
        }
        return tensor
    }
}
