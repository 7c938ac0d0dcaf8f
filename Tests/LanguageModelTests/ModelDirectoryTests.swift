import Foundation
import Kernels
import LanguageModel
import Testing

/// Saves write a model directory as a whole (built beside it, swapped in) and
/// never delete what is not a model's; loads read one snapshot of it.
@Suite struct ModelDirectoryTests {
    static let small = GPTConfig(layers: 1, heads: 2, width: 8, contextLength: 4, vocabularySize: 300)
    static let larger = GPTConfig(layers: 2, heads: 2, width: 16, contextLength: 4, vocabularySize: 300)

    /// A scratch folder holding the model directory `m` (not yet made).
    static func scratch() throws -> (folder: URL, model: URL) {
        let folder = try SafetensorsFixtures.makeDirectory()
        return (folder, folder.appendingPathComponent("m"))
    }

    /// The parameters of the model saved at `directory`.
    static func saved(_ directory: URL) throws -> [Float] { try GPT.load(from: directory).parameters.array }

    @Test func aSecondSaveIsRefusedUnlessItReplacesAndThenReplacesWhole() throws {
        let (folder, dir) = try Self.scratch()
        defer { SafetensorsFixtures.removeDirectory(folder) }
        let first = GPT(config: Self.small, seed: 1), second = GPT(config: Self.larger, seed: 2)
        try first.save(to: dir)
        #expect(throws: ModelFileError.holdsModel(path: dir.path)) { try second.save(to: dir) }
        #expect(try Self.saved(dir) == first.parameters.array, "the refused save left the first model")
        try second.save(to: dir, replacingModel: true)
        #expect(try Self.saved(dir) == second.parameters.array)
        #expect(try SafetensorsFixtures.contents(folder) == ["m"], "no hidden directory is left beside it")
        #expect(try SafetensorsFixtures.contents(dir) == ["config.json", "model.safetensors"])
    }

    @Test func aModelWithoutTokenizerDoesNotKeepTheOldOnesTokenizer() throws {
        let (folder, dir) = try Self.scratch()
        defer { SafetensorsFixtures.removeDirectory(folder) }
        let tokenizer = try BPETrainer.train(text: "ada lives in lune. bram lives in oster.", vocabularySize: 270)
        try GPT(config: Self.small, seed: 1).save(to: dir, tokenizer: tokenizer)
        #expect(try ModelDirectorySnapshot.open(dir).tokenizerJSON != nil)
        try GPT(config: Self.small, seed: 2).save(to: dir, replacingModel: true)
        #expect(try ModelDirectorySnapshot.open(dir).tokenizerJSON == nil, "tokenizer.json went with the old model")
    }

    @Test func otherFilesAreNeverDeleted() throws {
        let (folder, dir) = try Self.scratch()
        defer { SafetensorsFixtures.removeDirectory(folder) }
        let first = GPT(config: Self.small, seed: 1)
        try first.save(to: dir)
        try Data("mine\n".utf8).write(to: dir.appendingPathComponent("notes.txt"))
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("runs"), withIntermediateDirectories: false)
        #expect(throws: ModelFileError.holdsOtherFiles(path: dir.path, names: ["notes.txt", "runs"])) {
            try GPT(config: Self.small, seed: 2).save(to: dir, replacingModel: true)
        }
        #expect(try SafetensorsFixtures.contents(dir) == ["config.json", "model.safetensors", "notes.txt", "runs"])
        #expect(try Self.saved(dir) == first.parameters.array)
        let message = ModelFileError.holdsOtherFiles(path: dir.path, names: ["notes.txt", "runs"]).errorDescription!
        #expect(message.contains("(notes.txt, runs)") && message.contains("move them away"), "\(message)")
    }

    @Test func aFileIsNotADirectory() throws {
        let (folder, dir) = try Self.scratch()
        defer { SafetensorsFixtures.removeDirectory(folder) }
        try Data("x".utf8).write(to: dir)
        #expect(throws: ModelFileError.notADirectory(path: dir.path)) { try GPT(config: Self.small, seed: 1).save(to: dir) }
    }

    @Test func aSaveThatFailsHalfwayLeavesTheOldModelAndNoTrace() throws {
        let (folder, dir) = try Self.scratch()
        defer { SafetensorsFixtures.removeDirectory(folder) }
        let first = GPT(config: Self.small, seed: 1)
        try first.save(to: dir)
        let broken = GPT(config: Self.small, seed: 2)
        broken.parameters.pointer[broken.parameterCount - 1] = .nan
        #expect(throws: CheckpointError.self) { try broken.save(to: dir, replacingModel: true) }
        #expect(try Self.saved(dir) == first.parameters.array)
        #expect(try SafetensorsFixtures.contents(folder) == ["m"])
    }

    @Test func leftoversOfKilledSavesGoAndThoseOfRunningOnesStay() throws {
        let (folder, dir) = try Self.scratch()
        defer { SafetensorsFixtures.removeDirectory(folder) }
        // A process that has ended stands for a save killed with SIGKILL.
        let ended = Process()
        ended.executableURL = URL(fileURLWithPath: "/bin/true")
        try ended.run()
        ended.waitUntilExit()
        let dead = ".m.rlhf-save-\(ended.processIdentifier)-abc"
        let running = ".m.rlhf-save-\(ProcessInfo.processInfo.processIdentifier)-def"
        for name in [dead, running] {
            let leftover = folder.appendingPathComponent(name)
            try FileManager.default.createDirectory(at: leftover, withIntermediateDirectories: false)
            try Data("{}".utf8).write(to: leftover.appendingPathComponent("config.json"))
        }
        let model = GPT(config: Self.small, seed: 1)
        try model.save(to: dir)
        #expect(try Self.saved(dir) == model.parameters.array)
        #expect(try SafetensorsFixtures.contents(folder) == [running, "m"])
    }

    @Test func aSnapshotReadsTheModelItOpenedThoughASaveReplacedIt() throws {
        let (folder, dir) = try Self.scratch()
        defer { SafetensorsFixtures.removeDirectory(folder) }
        let first = GPT(config: Self.small, seed: 1), second = GPT(config: Self.larger, seed: 2)
        try first.save(to: dir, chatFormat: false)
        let snapshot = try ModelDirectorySnapshot.open(dir)
        try second.save(to: dir, chatFormat: true, replacingModel: true)
        let loaded = try GPT.load(from: snapshot)
        #expect(loaded.config == Self.small && loaded.parameters.array == first.parameters.array)
        #expect(!snapshot.isChatModel)
        #expect(try ModelDirectorySnapshot.open(dir).isChatModel)
        #expect(try Self.saved(dir) == second.parameters.array)
    }
}
