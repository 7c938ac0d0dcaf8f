import Foundation
import Shell
import Testing

/// Tab completion comes from the command specs and the session.
@Suite struct CompleterTests {
    static func completer() -> Completer {
        let session = Session()
        var out = ""
        let runner = Runner(session: session, write: { out += $0 }, writeError: { out += $0 })
        _ = runner.run(TextSource("new model alpha vocab=300 layers=1 width=16 heads=2\nnew model beta vocab=300 layers=1 width=16 heads=2", name: "setup"))
        return Completer(registry: .standard, session: session)
    }

    @Test func commandNames() {
        let c = Self.completer()
        #expect(c.complete("gene").candidates == ["generate"])
        #expect(c.complete("load ").candidates == ["data", "model"])
        #expect(c.complete("load mo").candidates == ["model"])
        #expect(c.complete("h").candidates == ["help", "hir", "history"])
        #expect(c.complete("hir ").candidates == ["relabel", "train"])
    }

    @Test func objectNamesAndOptions() {
        let c = Self.completer()
        #expect(c.complete("info a").candidates == ["alpha"])
        #expect(c.complete("copy model ").candidates.prefix(2) == ["alpha", "beta"])
        #expect(c.complete("generate alpha \"hi\" temp").candidates == ["temperature="])
        #expect(c.complete("generate alpha \"hi\" chat=t").candidates == ["chat=true"])
        #expect(c.complete("timer o").candidates == ["on", "off"])
        #expect(c.complete("pretrain alpha o").candidates == ["on"])
    }

    @Test func paths() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rlhf-complete-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("models"), withIntermediateDirectories: true)
        try Data().write(to: dir.appendingPathComponent("mine.jsonl"))
        defer { try? FileManager.default.removeItem(at: dir) }
        let c = Self.completer()
        #expect(c.complete("load data d \(dir.path)/m").candidates == ["\(dir.path)/mine.jsonl", "\(dir.path)/models/"])
    }
}
