import Foundation
import LanguageModel
import Testing

/// Reading safetensors files: the good fixture against numpy's values, and
/// every hostile fixture refused with a message naming the file and tensor.
@Suite struct SafetensorsReaderTests {
    @Test func goodFileMatchesNumpyBitForBit() throws {
        let url = SafetensorsFixtures.url("good.safetensors")
        let expected = try JSONDecoder().decode(
            ExpectedFixture.self, from: Data(contentsOf: SafetensorsFixtures.url("good_expected.json")))
        let file = try SafetensorsFile.open(url)

        #expect(file.names == expected.namesInFileOrder)
        #expect(file.metadata == expected.metadata)
        #expect(file.tensors["counts"]?.dtype == .int64)
        for (name, tensor) in expected.tensors {
            let described = try #require(file.tensors[name])
            #expect(described.dtype.rawValue == tensor.dtype, "\(name)")
            #expect(described.shape == tensor.shape, "\(name)")
            #expect(described.elementCount == tensor.bits.count, "\(name)")

            let values = try file.readFloats(name)
            let bits = values.map(\.bitPattern)
            let mismatches = zip(bits, tensor.bits).enumerated().filter { $0.element.0 != $0.element.1 }
            let maxDifference = zip(values, tensor.values).map { abs(Double($0) - $1) }.max() ?? 0
            #expect(bits == tensor.bits, "\(name): \(mismatches.count) elements differ, maxdiff \(maxDifference)")
        }
    }

    @Test func pointerReadFillsExactlyTheTensor() throws {
        let file = try SafetensorsFile.open(SafetensorsFixtures.url("good.safetensors"))
        var buffer = [Float](repeating: .nan, count: 8)
        try buffer.withUnsafeMutableBufferPointer { try file.readFloats("weight", into: $0.baseAddress!, count: 6) }
        #expect(Array(buffer[0..<6]) == [0.5, -1.25, 3.0, 1e-3, -0.0, 65504.0])
        #expect(buffer[6].isNaN && buffer[7].isNaN)
    }

    @Test func namesAbsentTensorsAndWrongCountsAndIntegerDtypes() throws {
        let url = SafetensorsFixtures.url("good.safetensors")
        let file = try SafetensorsFile.open(url)
        var slot: Float = 0
        let wrongCount = SafetensorsFixtures.message { try file.readFloats("weight", into: &slot, count: 1) }
        #expect(wrongCount?.contains(url.path) == true)
        #expect(wrongCount?.contains("tensor 'weight' has 6 elements but 1 were requested") == true)

        let absent = SafetensorsFixtures.message { _ = try file.readFloats("lm_head.weight") }
        #expect(absent?.contains("\(url.path): there is no tensor named 'lm_head.weight'") == true)

        let integer = SafetensorsFixtures.message { _ = try file.readFloats("counts") }
        #expect(integer?.contains("\(url.path): tensor 'counts' has dtype I64") == true)
    }

    @Test func fileTruncatedAfterOpeningIsReportedNotMisread() throws {
        let directory = try SafetensorsFixtures.makeDirectory()
        defer { SafetensorsFixtures.removeDirectory(directory) }
        let copy = directory.appendingPathComponent("shrinking.safetensors")
        try FileManager.default.copyItem(at: SafetensorsFixtures.url("good.safetensors"), to: copy)
        let file = try SafetensorsFile.open(copy)
        let handle = try FileHandle(forWritingTo: copy)
        try handle.truncate(atOffset: UInt64(8 + file.headerLength + 10))
        try handle.close()

        let message = SafetensorsFixtures.message { _ = try file.readFloats("weight") }
        #expect(message?.contains("\(copy.path): the file is truncated: tensor 'weight'") == true)
    }

    @Test func readsTheFileItOpenedThoughAnotherWasRenamedOverIt() throws {
        let directory = try SafetensorsFixtures.makeDirectory()
        defer { SafetensorsFixtures.removeDirectory(directory) }
        let url = directory.appendingPathComponent("w.safetensors")
        let other = directory.appendingPathComponent("other.safetensors")
        let old: [Float] = [1, 2, 3, 4], new: [Float] = [5, 6, 7, 8]
        try old.withUnsafeBufferPointer { try Safetensors.write(url, tensors: [(name: "w", shape: [4], data: $0.baseAddress!)]) }
        try new.withUnsafeBufferPointer { try Safetensors.write(other, tensors: [(name: "w", shape: [4], data: $0.baseAddress!)]) }
        let file = try SafetensorsFile.open(url)
        #expect(rename(other.path, url.path) == 0)
        #expect(try file.readFloats("w") == old, "every tensor comes from the file whose header was read")
        #expect(try SafetensorsFile.open(url).readFloats("w") == new)
    }

    /// One hostile fixture: where it must fail and what the message must say.
    struct Hostile: Sendable, CustomTestStringConvertible {
        let file: String
        /// nil: `open` must throw; otherwise `open` succeeds and reading this tensor throws.
        let readTensor: String?
        let caseName: String
        let fragments: [String]
        var testDescription: String { file }

        init(_ file: String, read readTensor: String? = nil, _ caseName: String, _ fragments: [String]) {
            self.file = "hostile_\(file).safetensors"
            self.readTensor = readTensor
            self.caseName = caseName
            self.fragments = fragments
        }
    }

    static let hostile: [Hostile] = [
        Hostile("truncated", "truncated", ["the file is truncated: tensor 'weight' ends at byte"]),
        Hostile("huge_header_length", "headerTooLarge", ["says 4611686018427387904 bytes", "100000000-byte limit"]),
        Hostile("header_past_eof", "headerPastEnd", ["says 1000 bytes but only", "truncated"]),
        Hostile("unknown_dtype", "unknownDType", ["tensor 'mystery' has unknown dtype \"F99\""]),
        Hostile("overlapping", "overlappingTensors", ["tensors 'first' and 'second' overlap"]),
        Hostile("out_of_range", "truncated", ["truncated: tensor 'far' ends at byte"]),
        Hostile("shape_mismatch", "byteLengthMismatch", ["tensor 'w' occupies 20 bytes", "need 24"]),
        Hostile("nan", read: "bad", "nonFiniteValue", ["tensor 'bad' contains NaN at element 1"]),
        Hostile("inf_half", read: "hot", "nonFiniteValue", ["tensor 'hot' contains -inf at element 1"]),
        Hostile("three_bytes", "fileTooShort", ["it is 3 bytes long, shorter than the 8-byte header length"]),
        Hostile("not_json", "malformedHeader", ["it is not JSON (at byte 1 of the header"]),
        Hostile("header_array", "malformedHeader", ["it is an array, not a JSON object"]),
        Hostile("missing_offsets", "malformedEntry", ["tensor 'w': \"data_offsets\" is missing"]),
        Hostile("dtype_not_string", "malformedEntry", ["tensor 'w': \"dtype\" is the number 32, not a string"]),
        Hostile("negative_shape", "invalidShape", ["tensor 'neg'", "dimension 1 is the number -3"]),
        Hostile("fractional_shape", "invalidShape", ["tensor 'frac'", "dimension 0 is the number 2.5"]),
        Hostile("end_before_begin", "invalidOffsets", ["tensor 'backwards'", "end 4 is before begin 8"]),
        Hostile("count_overflow", "elementCountOverflow", ["tensor 'huge' has shape [1099511627776, "
            + "1099511627776], whose element count overflows"]),
        Hostile("duplicate_key", "malformedHeader", ["at byte 54 of the header: duplicate key \"w\""]),
        Hostile("bad_metadata", "malformedMetadata", ["the value of \"epoch\" is the number 3"]),
    ]

    @Test(arguments: hostile)
    func hostileFileIsRefusedWithAMessageNamingIt(_ case: Hostile) throws {
        let url = SafetensorsFixtures.url(`case`.file)
        let error = #expect(throws: CheckpointError.self) {
            let file = try SafetensorsFile.open(url)
            if let tensor = `case`.readTensor { _ = try file.readFloats(tensor) }
        }
        if let tensor = `case`.readTensor {
            #expect(try SafetensorsFile.open(url).names.contains(tensor), "the header itself is valid")
        }
        let message = error?.errorDescription ?? ""
        #expect(String(describing: error).contains(".\(`case`.caseName)("), "\(String(describing: error))")
        #expect(message.hasPrefix(url.path + ": "), "\(message)")
        for fragment in `case`.fragments {
            #expect(message.contains(fragment), "\(message)")
        }
    }

    /// Headers built in the test, for parser corners the fixtures do not cover.
    static let craftedHeaders: [(header: String, fragment: String)] = [
        (#"{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}} x"#, "unexpected text after the end"),
        (#"{"w":{"dtype":"F32","shape":[true],"data_offsets":[0,4]}}"#, "dimension 0 is true"),
        (#"{"w":{"dtype":"F32","shape":[1e0],"data_offsets":[0,4]}}"#, "dimension 0 is the number 1e0"),
        (#"{"w":{"dtype":"F32","shape":[99999999999999999999],"data_offsets":[0,4]}}"#, "dimension 0 is"),
        (#"{"w":{"dtype":"F32","shape":[1],"data_offsets":[0]}}"#, "expected [begin, end] but found 1"),
        (#"{"w":{"dtype":"F32","shape":[1],"data_offsets":[-4,0]}}"#, "is not a pair of non-negative"),
        (#"{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4.0]}}"#, "is not a pair of non-negative"),
        (#"{"w":{"dtype":"F32","shape":{},"data_offsets":[0,4]}}"#, "\"shape\" is an object, not an array"),
        (#"{"w":[1]}"#, "tensor 'w': its entry is an array, not an object"),
        (#"{"w\ud800":{}}"#, "unpaired surrogate"),
        (#"{"w":"tab\#tinside"}"#, "control character in a string"),
        (#"{"__metadata__":[]}"#, "\"__metadata__\" is not valid: it is an array"),
        (String(repeating: "[", count: 100) + String(repeating: "]", count: 100), "nested more than 64 levels"),
    ]

    @Test func craftedHeadersAreRefusedWithTheirReason() throws {
        let directory = try SafetensorsFixtures.makeDirectory()
        defer { SafetensorsFixtures.removeDirectory(directory) }
        for (header, fragment) in Self.craftedHeaders {
            let url = try SafetensorsFixtures.file(in: directory, header: header, dataBytes: 4)
            let message = SafetensorsFixtures.message { _ = try SafetensorsFile.open(url) }
            #expect(message?.hasPrefix(url.path) == true, "\(header)")
            #expect(message?.contains(fragment) == true, "\(header) -> \(message ?? "no error")")
        }
        let latin1 = try SafetensorsFixtures.file(in: directory, rawHeader: Array("{\"caf".utf8) + [0xE9, 0x22, 0x7D])
        let message = SafetensorsFixtures.message { _ = try SafetensorsFile.open(latin1) }
        #expect(message?.contains("it is not UTF-8 text") == true, "\(message ?? "no error")")
    }

    #if !(os(macOS) && arch(x86_64))
    /// Longer than the reader's 65,536-element scratch buffer, so it is read in two chunks.
    @Test func halfTensorLargerThanOneChunkMatchesFloat16() throws {
        let directory = try SafetensorsFixtures.makeDirectory()
        defer { SafetensorsFixtures.removeDirectory(directory) }
        let count = 100_000
        let bits: [UInt16] = (0..<count).map { index in
            let magnitude = UInt16((index * 7) % 0x7C00)
            return index % 3 == 0 ? magnitude | 0x8000 : magnitude
        }
        let header = #"{"h":{"dtype":"F16","shape":[100,1000],"data_offsets":[0,200000]}}"#
        let padded = Array(header.utf8) + repeatElement(UInt8(ascii: " "), count: (8 - header.utf8.count % 8) % 8)
        let data: [UInt8] = bits.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }
        let url = try SafetensorsFixtures.file(in: directory, rawHeader: padded, data: data)

        let values = try SafetensorsFile.open(url).readFloats("h")
        let expected = bits.map { Float(Float16(bitPattern: $0)).bitPattern }
        let wrong = zip(values, expected).filter { $0.bitPattern != $1 }.count
        #expect(values.count == count)
        #expect(wrong == 0)
    }
    #endif

    @Test func escapesAndEmptyTensorsAndGapsAreAccepted() throws {
        let directory = try SafetensorsFixtures.makeDirectory()
        defer { SafetensorsFixtures.removeDirectory(directory) }
        let header = #"{"a\"\\\/\n\u00e9\ud83d\ude00":{"dtype":"F32","shape":[],"data_offsets":[8,12]},"#
            + #""z":{"dtype":"BF16","shape":[0],"data_offsets":[0,0]},"__metadata__":{}}"#
        let file = try SafetensorsFile.open(SafetensorsFixtures.file(in: directory, header: header, dataBytes: 16))
        #expect(file.names == ["z", "a\"\\/\n\u{e9}\u{1F600}"])
        #expect(try file.readFloats("a\"\\/\n\u{e9}\u{1F600}") == [0])
        #expect(try file.readFloats("z") == [])
        #expect(file.metadata.isEmpty)
    }
}
