/// One idea `explain` teaches: what it is in a few lines, its equation in
/// plain text, where it comes from, the command that shows it, and, where
/// the session holds a run it concerns, that run's own numbers.
struct Topic: Sendable {
    /// The name `explain` takes (words joined by hyphens: "grpo-loss").
    var name: String
    /// Other names that reach it ("kl-estimator", "k3").
    var aliases: [String] = []
    /// The stage of the pipeline it belongs to, as `help` names the stages.
    var stage: String
    /// A one-line title for the list.
    var title: String
    /// The idea, and why the method does it where its paper says so.
    var idea: String
    /// The equation in plain text (empty for a topic without one).
    var equation: String = ""
    /// Authors, year and arXiv id (or where else it is written).
    var source: String
    /// Commands that show it in this tool.
    var shows: [String]
    /// The session's own numbers for it, or nil where no run concerns it.
    var live: (@Sendable (Session) -> String?)? = nil
}

extension Topic {
    /// A topic name as `explain` matches it: lower case, spaces and hyphens alike.
    static func key(_ s: String) -> String {
        s.lowercased().split(whereSeparator: { $0 == " " || $0 == "-" || $0 == "_" }).joined(separator: "-")
    }

    /// Every topic, by stage in the pipeline's order.
    static let all: [Topic] = pipelineTopics + labelTopics + rewardTopics + rlTopics + preferenceTopics + feedbackTopics + evaluationTopics + crossTopics

    /// The topic named `name` (or one of its aliases).
    static func named(_ name: String) -> Topic? {
        let k = key(name)
        return all.first { key($0.name) == k || $0.aliases.contains { key($0) == k } }
    }

    /// The page `explain NAME` prints, with the session's numbers when it holds any.
    func page(_ session: Session) -> String {
        var out = "\(name): \(title)\n\n\(Commands.wrap(idea, indent: 2))\n"
        if !equation.isEmpty {
            out += "\n" + equation.split(separator: "\n", omittingEmptySubsequences: false).map { "    " + $0 }.joined(separator: "\n") + "\n"
        }
        out += "\n  source: \(source)\n  see it: " + shows.joined(separator: " · ") + "\n"
        if let mine = live?(session) { out += "\n" + Commands.wrap("in this session: " + mine, indent: 2) + "\n" }
        return out
    }
}
