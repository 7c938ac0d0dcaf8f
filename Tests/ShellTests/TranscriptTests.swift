import Foundation
import LanguageModel
import Shell
import Testing

/// Whole transcripts: each `Transcripts/NAME.rlhf` runs in a fresh session
/// and its combined output (standard output and errors, in order) plus the
/// exit status must equal `NAME.expected` byte for byte. A first line
/// `# keep-going` lets a script go on after errors, to show many of them.
/// RECORD_TRANSCRIPTS=1 writes the expected files instead (read them before
/// committing: they are the specification).
@Suite struct TranscriptTests {
    static let folder = Bundle.module.url(forResource: "Transcripts", withExtension: nil)!

    static var scripts: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? [])
            .filter { $0.hasSuffix(".rlhf") }.sorted()
    }

    /// Runs `text` as script `name` and returns what a user would see.
    static func transcript(_ text: String, name: String, directory: URL) -> String {
        var out = ""
        let session = Session()
        session.installRoots = [directory.path]  // the fixture lessons, no bundled models, and no progress file
        session.huggingFaceCache = HuggingFaceCache(root: directory.appendingPathComponent("hf-cache/hub"))
        let runner = Runner(session: session, write: { out += $0 }, writeError: { out += $0 })
        runner.keepGoing = text.hasPrefix("# keep-going")
        let cwd = FileManager.default.currentDirectoryPath
        FileManager.default.changeCurrentDirectoryPath(directory.path)
        defer { FileManager.default.changeCurrentDirectoryPath(cwd) }
        _ = runner.run(TextSource(text, name: name))
        // Paths inside the scratch directory print as relative ones; times vary.
        let relative = out.replacingOccurrences(of: directory.path + "/", with: "")
        let timeless = relative.replacingOccurrences(of: #"\[\d+\.\d+ s\]"#, with: "[time]", options: .regularExpression)
        return timeless + "exit: \(runner.failed ? 1 : 0)\n"
    }

    @Test(arguments: scripts)
    func transcript(_ script: String) throws {
        let url = Self.folder.appendingPathComponent(script)
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("rlhf-transcript-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: work) }
        // Fixture files beside the scripts are visible from the working directory.
        for name in try FileManager.default.contentsOfDirectory(atPath: Self.folder.path) where !name.hasSuffix(".rlhf") && !name.hasSuffix(".expected") {
            try FileManager.default.copyItem(at: Self.folder.appendingPathComponent(name), to: work.appendingPathComponent(name))
        }
        let actual = Self.transcript(try String(contentsOf: url, encoding: .utf8), name: script, directory: work)
        let expectedURL = url.deletingPathExtension().appendingPathExtension("expected")
        if ProcessInfo.processInfo.environment["RECORD_TRANSCRIPTS"] != nil, let source = ProcessInfo.processInfo.environment["RECORD_TRANSCRIPTS_TO"] {
            try actual.write(toFile: source + "/" + expectedURL.lastPathComponent, atomically: true, encoding: .utf8)
            return
        }
        let expected = try String(contentsOf: expectedURL, encoding: .utf8)
        #expect(actual == expected, "\(script): transcript differs:\n\(actual)")
    }
}
