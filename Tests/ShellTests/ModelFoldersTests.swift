import Foundation
import Shell
import Testing

/// `load model NAME` without a PATH looks in the session's model folders (the
/// executable's --models) before models/ under $RLHF_HOME, the installation and the current folder.
@Suite struct ModelFoldersTests {
    /// Runs `lines` in `session` and returns everything printed.
    static func run(_ lines: String, in session: Session) -> String {
        var out = ""
        let runner = Runner(session: session, write: { out += $0 }, writeError: { out += $0 })
        runner.keepGoing = true
        _ = runner.run(TextSource(lines, name: "test"))
        return out
    }

    @Test func theFirstFolderThatHoldsTheNameWins() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("rlhf-folders-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let first = root.appendingPathComponent("first").path, second = root.appendingPathComponent("second").path
        let made = Self.run("""
            new model one vocab=300 layers=1 heads=2 width=32 context=16 seed=1
            new model two vocab=300 layers=2 heads=2 width=32 context=16 seed=1
            save model one "\(first)/shared"
            save model two "\(second)/shared"
            save model two "\(second)/only"
            """, in: Session())
        #expect(!made.contains("^"), "\(made)")

        let session = Session()
        session.modelFolders = [first, second]
        let out = Self.run("load model shared\nload model only\nload model nothing", in: session)
        #expect(out.contains("shared: loaded 22.9k parameters from \(first)/shared"), "\(out)")
        #expect(out.contains("parameters from \(second)/only"), "\(out)")
        let missing = out.split(separator: "\n").first { $0.contains("no bundled model 'nothing'") } ?? ""
        #expect(missing.contains("only") && missing.contains("shared"), "the error lists what the folders hold: \(out)")
        #expect(session.models["shared"]?.model.config.layers == 1)
    }
}
