import Foundation
import Kernels
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Writing safetensors files (reading is `SafetensorsFile`).
public enum Safetensors {
    /// The largest header accepted, 100 MB: `MAX_HEADER_SIZE` in
    /// huggingface/safetensors `safetensors/src/tensor.rs`.
    public static let maximumHeaderLength: UInt64 = 100_000_000

    /// Saves `tensors` as F32 (or, given as `Weight.bfloat16`, BF16) to `url`, atomically: the file is written to a
    /// temporary `.NAME.tmp-PID-RANDOM` in the same directory, flushed with
    /// `fsync`, and renamed over `url`. On any failure the temporary file is
    /// removed and whatever was at `url` is untouched.
    ///
    /// The header is deterministic: `"__metadata__"` first (omitted when
    /// `metadata` is empty) with its keys sorted, then the tensors in the
    /// given order, each as `{"dtype":"F32","shape":[…],"data_offsets":[b,e]}` (or `"BF16"`),
    /// no whitespace, then spaces up to a multiple of 8 bytes. Tensor data
    /// follows in the given order with consecutive offsets, little-endian.
    ///
    /// - Parameter tensors: each `data` points at `shape`'s product of floats.
    /// - Throws: `CheckpointError.invalidTensorForWriting` for a duplicate or
    ///   reserved name, a negative dimension, or a NaN/infinite value (checked
    ///   before anything is written); `CheckpointError.io` if the file cannot
    ///   be created, written, flushed or renamed.
    /// - Complexity: O(total elements); data is written straight from `data`.
    public static func write(
        _ url: URL,
        tensors: [(name: String, shape: [Int], data: Weight)],
        metadata: [String: String] = [:]
    ) throws {
        try write(url.path, reporting: url.path, tensors: tensors, metadata: metadata)
    }

    /// `write(_:tensors:metadata:)` for binary32 tensors.
    public static func write(
        _ url: URL,
        tensors: [(name: String, shape: [Int], data: UnsafePointer<Float>)],
        metadata: [String: String] = [:]
    ) throws {
        try write(url, tensors: tensors.map { (name: $0.name, shape: $0.shape, data: Weight.float($0.data)) }, metadata: metadata)
    }

    /// `write(_:tensors:metadata:)` to `filePath`, with errors naming `path`
    /// (a file written in a hidden directory is named where it will be).
    static func write(
        _ filePath: String, reporting path: String,
        tensors: [(name: String, shape: [Int], data: Weight)], metadata: [String: String]
    ) throws {
        let counts = try validate(tensors, path: path)
        let header = headerBytes(
            tensors: zip(tensors, counts).map { (name: $0.name, shape: $0.shape, count: $1, dtype: dtype($0.data)) },
            metadata: metadata)
        guard UInt64(header.count) <= maximumHeaderLength else {
            throw CheckpointError.invalidTensorForWriting(
                path: path, tensor: "__metadata__",
                reason: "the header would be \(header.count) bytes, over the \(maximumHeaderLength)-byte limit")
        }

        let url = URL(fileURLWithPath: filePath)
        let directory = url.deletingLastPathComponent().path
        let temporaryPath = directory + "/." + url.lastPathComponent
            + ".tmp-\(getpid())-\(String(UInt32.random(in: .min ... .max), radix: 16))"
        let file = try FileDescriptor.openFile(
            temporaryPath, flags: O_WRONLY | O_CREAT | O_EXCL, mode: 0o644,
            reporting: path, operation: "create the temporary file \(temporaryPath)")
        var isOpen = true
        do {
            var length = UInt64(header.count).littleEndian
            try withUnsafeBytes(of: &length) { try file.writeFully($0) }
            try header.withUnsafeBytes { try file.writeFully($0) }
            for (tensor, count) in zip(tensors, counts) {
                try writeLittleEndian(tensor.data, count: count, to: file)
            }
            try file.synchronize()
            isOpen = false
            try file.closeFile()
            guard rename(temporaryPath, filePath) == 0 else {
                throw FileDescriptor.currentError(path: path, operation: "rename \(temporaryPath) over it")
            }
        } catch {
            if isOpen { file.closeIgnoringErrors() }
            _ = unlink(temporaryPath)
            throw error
        }
        FileDescriptor.synchronizeDirectory(directory)
    }

    /// The dtype a tensor is written as.
    private static func dtype(_ data: Weight) -> SafetensorsDType {
        if case .bfloat16 = data { .bfloat16 } else { .float32 }
    }

    /// The element count of each tensor, after checking names, shapes and values.
    private static func validate(
        _ tensors: [(name: String, shape: [Int], data: Weight)], path: String
    ) throws -> [Int] {
        var seen = Set<String>()
        var counts: [Int] = []
        var totalBytes = 0
        for tensor in tensors {
            func invalid(_ reason: String) -> CheckpointError {
                .invalidTensorForWriting(path: path, tensor: tensor.name, reason: reason)
            }
            guard tensor.name != "__metadata__" else { throw invalid("the name is reserved for metadata") }
            guard seen.insert(tensor.name).inserted else { throw invalid("the name appears twice") }
            var count = 1
            for size in tensor.shape {
                guard size >= 0 else { throw invalid("shape \(tensor.shape) has a negative dimension") }
                let (product, overflow) = count.multipliedReportingOverflow(by: size)
                guard !overflow else { throw invalid("shape \(tensor.shape) has too many elements") }
                count = product
            }
            let (bytes, overflow) = count.multipliedReportingOverflow(by: dtype(tensor.data).byteSize)
            let (total, totalOverflow) = totalBytes.addingReportingOverflow(bytes)
            guard !overflow, !totalOverflow else { throw invalid("shape \(tensor.shape) has too many elements") }
            totalBytes = total
            let value: (Int) -> Float
            switch tensor.data {
            case .float(let p): value = { p[$0] }
            case .bfloat16(let p): value = { BFloat16.float(p[$0]) }
            }
            for index in 0..<count where !value(index).isFinite {
                throw invalid("element \(index) is \(value(index).nonFiniteName); a checkpoint must hold finite values")
            }
            counts.append(count)
        }
        return counts
    }

    /// The header JSON for `tensors` stored consecutively, space-padded to a multiple of 8 bytes.
    static func headerBytes(
        tensors: [(name: String, shape: [Int], count: Int, dtype: SafetensorsDType)], metadata: [String: String]
    ) -> [UInt8] {
        var entries: [String] = []
        if !metadata.isEmpty {
            let pairs = metadata.keys.sorted().map { jsonQuoted($0) + ":" + jsonQuoted(metadata[$0]!) }
            entries.append("\"__metadata__\":{" + pairs.joined(separator: ",") + "}")
        }
        var offset = 0
        for tensor in tensors {
            let end = offset + tensor.count * tensor.dtype.byteSize
            let shape = tensor.shape.map(String.init).joined(separator: ",")
            entries.append(jsonQuoted(tensor.name)
                + ":{\"dtype\":\"\(tensor.dtype.rawValue)\",\"shape\":[\(shape)],\"data_offsets\":[\(offset),\(end)]}")
            offset = end
        }
        var bytes = Array(("{" + entries.joined(separator: ",") + "}").utf8)
        bytes += repeatElement(UInt8(ascii: " "), count: (8 - bytes.count % 8) % 8)
        return bytes
    }

    private static func writeLittleEndian(_ data: Weight, count: Int, to file: FileDescriptor) throws {
        #if _endian(little)
        switch data {
        case .float(let p): try file.writeFully(UnsafeRawBufferPointer(start: p, count: count * 4))
        case .bfloat16(let p): try file.writeFully(UnsafeRawBufferPointer(start: p, count: count * 2))
        }
        #else
        guard case .float(let data) = data else { fatalError("bfloat16 writing is implemented for little-endian hosts") }
        var chunk = [UInt32](repeating: 0, count: min(count, 65_536))
        var start = 0
        while start < count {
            let length = min(chunk.count, count - start)
            for offset in 0..<length { chunk[offset] = data[start + offset].bitPattern.littleEndian }
            try chunk.withUnsafeBytes { try file.writeFully(UnsafeRawBufferPointer(rebasing: $0[0..<(length * 4)])) }
            start += length
        }
        #endif
    }
}
