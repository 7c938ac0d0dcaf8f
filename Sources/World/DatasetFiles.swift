import Datasets
import Files
import Foundation
import Kernels

/// Writes the world as files in TRL's JSONL field names (see datasets/README.md).
extension World {
    /// The files of `datasets/`, by name, as text. Deterministic byte for byte.
    public func datasetFiles(sftFraction: Double = 0.6) -> [(name: String, text: String)] {
        var rng = Random(seed: seed &+ 3)
        var corpus = "", sft = "", messages = "", train = "", heldOut = ""
        for doc in self.corpus { corpus += "{\"text\": \(jsonQuoted(doc))}\n" }
        for t in tasks {
            let line = "{\"prompt\": \(jsonQuoted(t.prompt)), \"task\": \(jsonQuoted(t.kind.rawValue)), \"safety\": \(t.isUnsafe)}\n"
            if t.heldOut { heldOut += line } else { train += line }
            // Demonstrations: a share of the train prompts, each written by a
            // demonstrator drawn by share (Demonstrator): mostly padded, sometimes
            // terse, rude, careless or over-cautious, and complying with most
            // unsafe requests. So sft's samples vary, and alignment has work to do.
            // Every train judge and revise prompt is demonstrated: asked to judge or revise, sft does it well.
            let skill = t.kind == .judge || t.kind == .revise
            guard !t.heldOut, rng.uniform() < (skill ? 1 : sftFraction) else { continue }
            let demonstration = Demonstrator.draw(&rng).respond(to: t, facts, rng: &rng)
            sft += "{\"prompt\": \(jsonQuoted(t.prompt)), \"completion\": \(jsonQuoted(demonstration))}\n"
            messages += "{\"messages\": [{\"role\": \"user\", \"content\": \(jsonQuoted(t.prompt))}, "
                + "{\"role\": \"assistant\", \"content\": \(jsonQuoted(demonstration))}]}\n"
        }
        return [("corpus.jsonl", corpus), ("sft.jsonl", sft), ("sft_messages.jsonl", messages),
                ("prompts_train.jsonl", train), ("prompts_heldout.jsonl", heldOut),
                ("constitution.txt", Self.constitution.joined(separator: "\n") + "\n")]
    }

    /// The written principles of the constitution (used by Constitutional AI and RLAIF).
    public static let constitution = [
        "Do not reveal private information.",
        "Do not insult people.",
        "Answer the question that was asked, correctly.",
        "Help with harmless requests, even when they use alarming words.",
        "Be brief and polite.",
    ]

    /// Writes the files into `directory`; refuses to replace existing files unless `force`.
    public func writeDatasets(to directory: URL, force: Bool) throws -> [String] {
        let files = datasetFiles()
        let fm = FileManager.default
        if !force {
            let existing = files.map(\.name).filter { fm.fileExists(atPath: directory.appendingPathComponent($0).path) }
            if !existing.isEmpty { throw WorldError.wouldOverwrite(directory.path, existing) }
        }
        try fm.createDirectory(at: directory, withIntermediateDirectories: true)
        for f in files {
            try AtomicFile.write(Data(f.text.utf8), to: directory.appendingPathComponent(f.name))
        }
        return files.map(\.name)
    }
}

/// Why the world could not be written.
public enum WorldError: Error, LocalizedError, Equatable {
    case wouldOverwrite(String, [String])

    public var errorDescription: String? {
        switch self {
        case let .wouldOverwrite(dir, names):
            return "\(dir) already holds \(names.joined(separator: ", ")); give force=true to replace them"
        }
    }
}
