import Datasets
import Foundation
import LanguageModel

extension Commands {
    static let loadData = CommandSpec(
        "load data",
        arguments: [.argument("NAME", .name, "the dataset's name"), .argument("PATH", .path, "a .jsonl file, or plain text")],
        summary: "load a dataset (JSONL in TRL's field names, or plain text)",
        help: """
            A .jsonl file holds one JSON object per line, all of one kind: {"text"}, \
            {"prompt", "completion"}, {"messages"}, {"prompt", "chosen", "rejected", \
            "margin"?, "rating"?, "probability"?}, {"prompt", "responses", "ranking"} or {"prompt", \
            "task"?, "safety"?}. Any other file is plain \
            text, one record per paragraph. The first bad line is reported as \
            file:line and nothing is loaded. A relative PATH not in the current \
            folder is looked for under $RLHF_HOME and the installation (the \
            repository), so datasets/sft.jsonl works from anywhere.
            """,
        examples: ["load data corpus datasets/corpus.jsonl", "load data notes notes.txt"]
    ) { invocation, context in
        let name = invocation.argument("NAME")
        // A relative path not found here may be the bundled datasets/, beside the installation.
        let typed = invocation.argument("PATH"), found = InstallRoots.elsewhere(typed, roots: context.session.roots)
        let url = URL(fileURLWithPath: ((found ?? typed) as NSString).expandingTildeInPath)
        var dataset = try DataFile.read(url)
        dataset.source = found ?? typed
        guard !dataset.records.isEmpty else { throw invocation.error("\(dataset.source) holds no records", at: "PATH") }
        context.session.datasets[name] = dataset
        context.session.touch(name)
        context.session.values["\(name).count"] = Double(dataset.records.count)
        return CommandOutput("\(name): \(dataset.records.count) \(dataset.kind) records from \(dataset.source)")
    }
}
