import Foundation
import LanguageModel

/// Fixture files and scratch directories for the safetensors tests.
enum SafetensorsFixtures {
    /// The `Fixtures` folder copied into the test bundle.
    static let folder = Bundle.module.url(forResource: "Fixtures", withExtension: nil)!

    /// A file written by `Fixtures/make_safetensors_fixtures.py`.
    static func url(_ name: String) -> URL {
        folder.appendingPathComponent("safetensors").appendingPathComponent(name)
    }

    /// A new empty directory, removed by `removeDirectory`.
    static func makeDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("safetensors-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: false)
        return url
    }

    /// Deletes a directory made by `makeDirectory`.
    static func removeDirectory(_ url: URL) {
        try? FileManager.default.removeItem(at: url)
    }

    /// The names in `directory`, sorted (hidden temporary files included).
    static func contents(_ directory: URL) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
    }

    /// A file in `directory` holding an 8-byte length, `header` padded with
    /// spaces to a multiple of 8, and `dataBytes` zero bytes.
    static func file(in directory: URL, header: String, dataBytes: Int = 0) throws -> URL {
        var headerBytes = Array(header.utf8)
        headerBytes += repeatElement(UInt8(ascii: " "), count: (8 - headerBytes.count % 8) % 8)
        return try file(in: directory, rawHeader: headerBytes, dataBytes: dataBytes)
    }

    /// Like `file(in:header:dataBytes:)` with the header bytes as given.
    static func file(in directory: URL, rawHeader: [UInt8], dataBytes: Int = 0) throws -> URL {
        try file(in: directory, rawHeader: rawHeader, data: [UInt8](repeating: 0, count: dataBytes))
    }

    /// A file holding an 8-byte length, `rawHeader` as given, then `data`.
    static func file(in directory: URL, rawHeader: [UInt8], data: [UInt8]) throws -> URL {
        var bytes: [UInt8] = withUnsafeBytes(of: UInt64(rawHeader.count).littleEndian) { Array($0) }
        bytes += rawHeader
        bytes += data
        let url = directory.appendingPathComponent("crafted-\(UUID().uuidString).safetensors")
        try Data(bytes).write(to: url)
        return url
    }

    /// The message of the `CheckpointError` that `body` throws, or nil.
    static func message(_ body: () throws -> Void) -> String? {
        do {
            try body()
            return nil
        } catch let error as CheckpointError {
            return error.errorDescription
        } catch {
            return "unexpected error type: \(error)"
        }
    }
}

/// The JSON written by `make_safetensors_fixtures.py` beside `good.safetensors`.
struct ExpectedFixture: Decodable {
    /// One float tensor's expected contents, computed by numpy.
    struct Tensor: Decodable {
        let dtype: String
        let shape: [Int]
        let values: [Double]
        let bits: [UInt32]
    }
    let namesInFileOrder: [String]
    let metadata: [String: String]
    let tensors: [String: Tensor]

    enum CodingKeys: String, CodingKey {
        case namesInFileOrder = "names_in_file_order", metadata, tensors
    }
}

/// The JSON printed by `Fixtures/read_safetensors.py`.
struct PythonReading: Decodable {
    /// One tensor as numpy read it.
    struct Tensor: Decodable {
        let dtype: String
        let shape: [Int]
        let dataOffsets: [Int]
        let bits: [UInt32]?

        enum CodingKeys: String, CodingKey {
            case dtype, shape, dataOffsets = "data_offsets", bits
        }
    }
    let headerLength: Int
    let headerKeys: [String]
    let metadata: [String: String]
    let tensors: [String: Tensor]

    enum CodingKeys: String, CodingKey {
        case headerLength = "header_length", headerKeys = "header_keys", metadata, tensors
    }
}

/// Runs `python3` (found through `/usr/bin/env`) on the fixture reader.
enum PythonReader {
    /// Whether `python3` with numpy can be run; tests that need it are skipped otherwise.
    static let isAvailable: Bool = {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/env") else { return false }
        return (try? run(["-c", "import numpy"])) != nil
    }()

    /// `read_safetensors.py` applied to `file`, decoded.
    static func read(_ file: URL) throws -> PythonReading {
        let script = SafetensorsFixtures.folder.appendingPathComponent("read_safetensors.py").path
        let output = try run([script, file.path])
        return try JSONDecoder().decode(PythonReading.self, from: output)
    }

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// Runs `python3 arguments…`, returning standard output; throws on a non-zero exit.
    static func run(_ arguments: [String]) throws -> Data {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3"] + arguments
        let output = Pipe(), errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        let errorText = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw Failure(description: "python3 \(arguments.joined(separator: " ")) exited with "
                + "\(process.terminationStatus): \(errorText)")
        }
        return data
    }
}
