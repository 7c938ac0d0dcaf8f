import Datasets
import LanguageModel

extension Commands {
    static let show = CommandSpec(
        "show",
        arguments: [.argument("NAME", .name, "an object, or values", required: false)],
        options: [Paging.option],
        summary: "list the session's objects, or describe one",
        help: """
            With no argument, lists every model, tokenizer, dataset and run in the \
            session. show NAME describes one; show values lists the values that \
            expect can check. show DATASET page=K lists its records \(Paging.rows) to a \
            page, show SAMPLES page=K its prompts and responses \(samplePage) prompts to a \
            page; a listing longer than a page shows its first, and page=K the others.
            """,
        examples: ["show", "show sft", "show values", "show demos page=2", "show s page=1"]
    ) { invocation, context in
        let s = context.session
        guard let name = invocation.arguments["NAME"] else {
            let names = s.objectNames
            if names.isEmpty { return CommandOutput("the session is empty: new model, load model, load data") }
            var rows: [[String]] = []
            for n in names { rows.append([n] + describeBriefly(n, s)) }
            return CommandOutput(try Paging(invocation).render(Table(["name", "kind", "about"], rows), invocation))
        }
        if name == "values" {
            if s.values.isEmpty { return CommandOutput("no values yet") }
            let rows = s.values.sorted { $0.key < $1.key }.map { [$0.key, formatValue($0.value)] }
            return CommandOutput(try Paging(invocation).render(Table(["value", ""], rows), invocation))
        }
        if invocation.given.contains("page"), s.datasets[name] == nil, s.samples[name] == nil, s.objectNames.contains(name) {
            throw invocation.error("\(name) is not a listing; page= pages datasets, sample sets, values and the list of objects", at: "page")
        }
        // A training run is named after the model it trained: show both.
        if let m = s.models[name] { return CommandOutput(describe(name, m) + (s.runs[name].map { "\n" + describe(name, $0) } ?? "")) }
        if let t = s.tokenizers[name] { return CommandOutput("\(name): tokenizer, \(t.vocabularySize) tokens, special: \(t.specialTokens.keys.sorted().joined(separator: " "))") }
        if let d = s.datasets[name] {
            return CommandOutput(invocation.given.contains("page") ? try describe(name, d, page: Paging(invocation), invocation) : describe(name, d))
        }
        if let set = s.samples[name] {
            return CommandOutput(invocation.given.contains("page")
                ? try describe(name, set, page: Paging(invocation, size: samplePage), invocation) : describe(name, set))
        }
        if let r = s.rewards[name] { return CommandOutput("\(name): reward, \(r.about)") }
        if let r = s.runs[name] { return CommandOutput(describe(name, r)) }
        let near = nearest(name, s.objectNames + ["values"]).map { "; did you mean \($0)?" } ?? ""
        throw invocation.error("nothing called '\(name)'\(near)", at: "NAME")
    }

    /// A run's kind and each metric's count and last value.
    static func describe(_ name: String, _ r: Run) -> String {
        let rows = r.metrics.map { m in [m, String(r.series[m]!.count), formatValue(r.series[m]!.last!.value)] }
        return "\(name): \(r.kind) run\n" + Table(["metric", "points", "last"], rows).render()
    }

    static func describeBriefly(_ name: String, _ s: Session) -> [String] {
        if let m = s.models[name] {
            let c = m.model.config
            return [m.model.hasScalarHead ? "scalar model" : "model",
                    "\(formatCount(m.model.parameterCount)) params, \(plural(c.layers, "layer")), width \(c.width), \(m.origin)"]
        }
        if let t = s.tokenizers[name] { return ["tokenizer", "\(t.vocabularySize) tokens"] }
        if let d = s.datasets[name] { return ["dataset", "\(d.records.count) \(d.kind) records"] }
        if let r = s.runs[name] { return ["run", "\(r.kind): " + r.metrics.joined(separator: ", ")] }
        if let set = s.samples[name] {
            return ["sample set", "\(plural(set.items.count, "prompt")) × \(set.k) from \(set.model)" + (set.items.first?.scores != nil ? ", scored" : "")]
        }
        if let r = s.rewards[name] { return ["reward", r.about] }
        return ["?", ""]
    }

    /// Prompts of a sample set a page holds (each with its k responses).
    static let samplePage = 10

    /// A dataset's count and source and its first three records; the rest by page=.
    static func describe(_ name: String, _ d: Dataset) -> String {
        var out = "\(name): \(d.records.count) \(d.kind) records from \(d.source)\n"
        for (i, r) in d.records.prefix(3).enumerated() { out += "  \(i + 1). \(preview(r))\n" }
        if d.records.count > 3 { out += "  … \(d.records.count - 3) more: page=1 lists them \(Paging.rows) to a page\n" }
        return out
    }

    /// One page of a dataset's records.
    static func describe(_ name: String, _ d: Dataset, page: Paging, _ invocation: Invocation) throws -> String {
        var out = "\(name): \(d.records.count) \(d.kind) records from \(d.source)\n"
        for i in try page.range(of: d.records.count, invocation) { out += "  \(i + 1). \(preview(d.records[i]))\n" }
        return out + page.footer(count: d.records.count, unit: "records")
    }

    /// A sample set's count and its first two prompts with their responses; the rest by page=.
    static func describe(_ name: String, _ set: SampleSet) -> String {
        var out = sampleHeader(name, set)
        for i in set.items.indices.prefix(2) { out += sampleItem(set, i) }
        if set.items.count > 2 { out += "  … \(set.items.count - 2) more: page=1 lists them \(samplePage) prompts to a page\n" }
        return out
    }

    /// One page of a sample set's prompts with their responses.
    static func describe(_ name: String, _ set: SampleSet, page: Paging, _ invocation: Invocation) throws -> String {
        var out = sampleHeader(name, set)
        for i in try page.range(of: set.items.count, invocation) { out += sampleItem(set, i) }
        return out + page.footer(count: set.items.count, unit: "prompts")
    }

    static func sampleHeader(_ name: String, _ set: SampleSet) -> String {
        let cut = set.truncatedCount
        return "\(name): \(plural(set.items.count, "prompt")) × \(set.k) responses from \(set.model)"
            + (cut > 0 ? " (\(cut) cut at max_tokens, marked [cut])\n" : "\n")
    }

    /// Prompt i of a sample set, numbered from 1, and its responses' log p, reward and text.
    static func sampleItem(_ set: SampleSet, _ i: Int) -> String {
        let item = set.items[i]
        var rows: [[String]] = []
        for (j, r) in item.responses.enumerated() {
            rows.append([String(format: "%.2f", r.logProbability), item.scores.map { String(format: "%+.3f", $0[j]) } ?? "-",
                         r.text + (r.stopped ? "" : cutMark)])
        }
        return "  \(i + 1). \(item.prompt.prompt)\(item.prompt.unsafe ? " (safety)" : "")\n"
            + Table(["log p", "reward", "response"], rows).render().split(separator: "\n").map { "     " + $0 }.joined(separator: "\n") + "\n"
    }

    static func preview(_ r: Record) -> String {
        func cut(_ s: String) -> String { s.singleLine(60) }
        switch r {
        case let .text(t): return cut(t)
        case let .completion(p, c, truncated): return cut(p) + " → " + cut(c) + (truncated ? cutMark : "")
        case let .unpaired(p, c, label, truncated): return cut(p) + (label ? " ✓ " : " ✗ ") + cut(c) + (truncated ? cutMark : "")
        case let .messages(m): return m.map { "\($0.role): \(cut($0.content))" }.joined(separator: " | ")
        case let .preference(p, c, rj, _, _, _, truncated):
            return cut(p) + " ✓ " + cut(c) + (truncated.contains(.chosen) ? cutMark : "") + " ✗ " + cut(rj) + (truncated.contains(.rejected) ? cutMark : "")
        case let .ranking(p, rs, _, truncated):
            return cut(p) + " (\(rs.count) ranked" + (truncated.isEmpty ? ")" : ", \(truncated.count) cut)")
        case let .prompt(p, task, safety, fields):
            return cut(p) + (task.map { " [\($0)]" } ?? "") + (safety ? " (safety)" : "")
                + fields.names.map { " \($0)=" + (fields[$0] ?? "").singleLine(24) }.joined()
        }
    }
}

/// What follows a response that was cut at max_tokens (it never ended its turn).
let cutMark = " [cut]"

/// 3,276,800 → "3.3M"; 512 → "512".
func formatCount(_ n: Int) -> String {
    if n >= 1_000_000_000 { return String(format: "%.1fG", Double(n) / 1e9) }
    if n >= 1_000_000 { return String(format: "%.1fM", Double(n) / 1e6) }
    if n >= 10_000 { return String(format: "%.1fk", Double(n) / 1e3) }
    return String(n)
}

/// "1 layer", "4 layers".
func plural(_ n: Int, _ word: String) -> String { "\(n) \(word)\(n == 1 ? "" : "s")" }
