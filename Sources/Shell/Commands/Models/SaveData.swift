import Datasets
import Foundation

extension Commands {
    static let saveData = CommandSpec(
        "save data",
        arguments: [.argument("NAME", .name, "a dataset: loaded, or made by label"),
                    .argument("PATH", .path, "a .jsonl file to write")],
        options: [.option("force", .bool, "replace an existing file", default: "false")],
        summary: "save a dataset as JSONL in TRL's field names",
        help: """
            Writes one JSON object per line: rankings as {"prompt", "responses", \
            "ranking"}, rated pairs as {"prompt", "chosen", "rejected", "rating"}, and \
            the other kinds as load data reads them, so labels made in one session \
            load in the next (or in TRL). The file is written whole or not at all, \
            and an existing file is kept unless force=true.
            """,
        examples: ["save data prefs.rankings rankings.jsonl"]
    ) { invocation, context in
        let name = invocation.argument("NAME")
        let data = try context.session.dataset(name, in: invocation, argument: "NAME")
        let path = invocation.argument("PATH")
        guard path.lowercased().hasSuffix(".jsonl") else {
            throw invocation.error("give a .jsonl path (load data reads other files as plain text)", at: "PATH")
        }
        let url = URL(fileURLWithPath: (path as NSString).expandingTildeInPath)
        if FileManager.default.fileExists(atPath: url.path) && !invocation.bool("force") {
            throw invocation.error("\(path) exists; give force=true to replace it", at: "PATH")
        }
        try DataFile.write(data.records, to: url)
        return CommandOutput("saved \(name) to \(path) (\(data.records.count) \(data.kind) records)")
    }
}
