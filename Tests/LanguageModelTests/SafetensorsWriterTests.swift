import Foundation
import LanguageModel
import Testing

/// Writing safetensors files: round trips through this reader and through an
/// independent numpy reader, the exact header bytes, and atomic replacement.
@Suite struct SafetensorsWriterTests {
    /// Tensors with awkward names, shapes and values.
    static let names = ["transformer.wte.weight", "scalar", "empty", "odd \"name\" \\ \n é 😀"]
    static let shapes = [[2, 3], [], [0, 4], [5]]
    static let values: [[Float]] = [
        [0.5, -1.25, 3.0, 1e-3, -0.0, 65504.0],
        [-7.75],
        [],
        [.leastNonzeroMagnitude, -.greatestFiniteMagnitude, .pi, 1.0 / 3.0, -.leastNormalMagnitude],
    ]
    static let metadata = ["format": "pt", "step": "12", "quote\"key": "line\nbreak é"]

    /// Calls `Safetensors.write` with `values`, shaped by `shapes`.
    static func write(
        _ url: URL, names: [String] = names, shapes: [[Int]] = shapes, values: [[Float]] = values,
        metadata: [String: String] = metadata
    ) throws {
        // Copy each array into storage that lives for the whole call.
        let storage = values.map { array -> UnsafeMutablePointer<Float> in
            let pointer = UnsafeMutablePointer<Float>.allocate(capacity: max(array.count, 1))
            pointer.initialize(from: array, count: array.count)
            return pointer
        }
        defer { storage.forEach { $0.deallocate() } }
        let tensors = (0..<names.count).map {
            (name: names[$0], shape: shapes[$0], data: UnsafePointer(storage[$0]))
        }
        try Safetensors.write(url, tensors: tensors, metadata: metadata)
    }

    @Test func roundTripsThroughThisReader() throws {
        let directory = try SafetensorsFixtures.makeDirectory()
        defer { SafetensorsFixtures.removeDirectory(directory) }
        let url = directory.appendingPathComponent("model.safetensors")
        try Self.write(url)

        let file = try SafetensorsFile.open(url)
        #expect(file.names == Self.names)
        #expect(file.metadata == Self.metadata)
        #expect(file.headerLength % 8 == 0)
        for (index, name) in Self.names.enumerated() {
            #expect(file.tensors[name]?.dtype == .float32)
            #expect(file.tensors[name]?.shape == Self.shapes[index])
            #expect(try file.readFloats(name).map(\.bitPattern) == Self.values[index].map(\.bitPattern), "\(name)")
        }
        #expect(try SafetensorsFixtures.contents(directory) == ["model.safetensors"])
    }

    @Test func headerBytesAreExactlyAsDocumented() throws {
        let directory = try SafetensorsFixtures.makeDirectory()
        defer { SafetensorsFixtures.removeDirectory(directory) }
        let url = directory.appendingPathComponent("tiny.safetensors")
        try Self.write(url, names: ["b", "a"], shapes: [[2], [1]], values: [[1, 2], [3]],
                       metadata: ["z": "1", "a": "2"])
        let bytes = try Data(contentsOf: url)

        let json = #"{"__metadata__":{"a":"2","z":"1"},"b":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"#
            + #""a":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}"#
        let padded = json + String(repeating: " ", count: (8 - json.utf8.count % 8) % 8)
        let length = bytes.prefix(8).reversed().reduce(0) { $0 << 8 | Int($1) }
        #expect(length == padded.utf8.count)
        #expect(String(decoding: bytes.dropFirst(8).prefix(length), as: UTF8.self) == padded)
        let floats: [Float] = [1, 2, 3]
        #expect(Array(bytes.dropFirst(8 + length)) == floats.flatMap { value in
            withUnsafeBytes(of: value.bitPattern.littleEndian) { Array($0) }
        })

        let again = directory.appendingPathComponent("again.safetensors")
        try Self.write(again, names: ["b", "a"], shapes: [[2], [1]], values: [[1, 2], [3]],
                       metadata: ["a": "2", "z": "1"])
        #expect(try Data(contentsOf: again) == bytes)
    }

    @Test(.enabled(if: PythonReader.isAvailable, "python3 with numpy was not found on PATH; skipping the independent check"))
    func independentNumpyReaderAgrees() throws {
        let directory = try SafetensorsFixtures.makeDirectory()
        defer { SafetensorsFixtures.removeDirectory(directory) }
        let url = directory.appendingPathComponent("model.safetensors")
        try Self.write(url)

        let reading = try PythonReader.read(url)
        #expect(reading.headerKeys == ["__metadata__"] + Self.names)
        #expect(reading.headerLength % 8 == 0)
        #expect(reading.metadata == Self.metadata)
        var offset = 0
        for (index, name) in Self.names.enumerated() {
            let tensor = try #require(reading.tensors[name], "\(name)")
            #expect(tensor.dtype == "F32")
            #expect(tensor.shape == Self.shapes[index])
            #expect(tensor.dataOffsets == [offset, offset + 4 * Self.values[index].count])
            #expect(tensor.bits == Self.values[index].map(\.bitPattern), "\(name)")
            offset += 4 * Self.values[index].count
        }
    }

    @Test func missingDirectoryThrowsAndLeavesNothing() throws {
        let directory = try SafetensorsFixtures.makeDirectory()
        defer { SafetensorsFixtures.removeDirectory(directory) }
        let url = directory.appendingPathComponent("missing").appendingPathComponent("model.safetensors")
        let message = SafetensorsFixtures.message { try Self.write(url) }
        #expect(message?.hasPrefix("\(url.path): cannot create the temporary file") == true, "\(message ?? "")")
        #expect(message?.contains("No such file or directory") == true, "\(message ?? "")")
        #expect(try SafetensorsFixtures.contents(directory) == [])
    }

    @Test func writingOverAnExistingFileReplacesItCompletely() throws {
        let directory = try SafetensorsFixtures.makeDirectory()
        defer { SafetensorsFixtures.removeDirectory(directory) }
        let url = directory.appendingPathComponent("model.safetensors")
        try Data(repeating: 0xAB, count: 10_000).write(to: url)

        try Self.write(url, names: ["w"], shapes: [[2]], values: [[1, 2]], metadata: [:])
        let file = try SafetensorsFile.open(url)
        #expect(file.fileSize == 8 + file.headerLength + 8)
        #expect(try FileManager.default.attributesOfItem(atPath: url.path)[.size] as? Int == file.fileSize)
        #expect(try file.readFloats("w") == [1, 2])
        #expect(try SafetensorsFixtures.contents(directory) == ["model.safetensors"])
    }

    @Test func refusedInputLeavesTheExistingFileUntouched() throws {
        let directory = try SafetensorsFixtures.makeDirectory()
        defer { SafetensorsFixtures.removeDirectory(directory) }
        let url = directory.appendingPathComponent("model.safetensors")
        try Self.write(url)
        let before = try Data(contentsOf: url)

        let refusals: [(names: [String], shapes: [[Int]], values: [[Float]], fragment: String)] = [
            (["w", "bad"], [[1], [3]], [[1], [1, .nan, 2]], "cannot save tensor 'bad': element 1 is NaN"),
            (["w", "hot"], [[1], [1]], [[1], [-.infinity]], "cannot save tensor 'hot': element 0 is -inf"),
            (["w", "w"], [[1], [1]], [[1], [2]], "cannot save tensor 'w': the name appears twice"),
            (["__metadata__"], [[1]], [[1]], "the name is reserved for metadata"),
            (["neg"], [[2, -1]], [[]], "shape [2, -1] has a negative dimension"),
            (["huge"], [[1 << 40, 1 << 40]], [[]], "shape [1099511627776, 1099511627776] has too many"),
        ]
        for refusal in refusals {
            let message = SafetensorsFixtures.message {
                try Self.write(url, names: refusal.names, shapes: refusal.shapes, values: refusal.values)
            }
            #expect(message?.hasPrefix(url.path) == true, "\(message ?? "no error")")
            #expect(message?.contains(refusal.fragment) == true, "\(message ?? "no error")")
            #expect(try Data(contentsOf: url) == before)
        }
        #expect(try SafetensorsFixtures.contents(directory) == ["model.safetensors"])
    }

    @Test func failedRenameRemovesTheTemporaryFile() throws {
        // A non-empty directory at the target makes rename(2) fail after the data is written.
        let directory = try SafetensorsFixtures.makeDirectory()
        defer { SafetensorsFixtures.removeDirectory(directory) }
        let url = directory.appendingPathComponent("model.safetensors")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: false)
        try Data([1]).write(to: url.appendingPathComponent("keep"))

        let message = SafetensorsFixtures.message { try Self.write(url) }
        #expect(message?.hasPrefix("\(url.path): cannot rename") == true, "\(message ?? "no error")")
        #expect(try SafetensorsFixtures.contents(directory) == ["model.safetensors"])
        #expect(try SafetensorsFixtures.contents(url) == ["keep"])
    }
}
