@testable import Shell
import Testing

/// explain's topics as a whole: enough of them, names that reach one topic
/// each, every stage one `help` knows, every command a topic names a real
/// one, and every page rendered without a run and with one.
@Suite struct ExplainTests {
    @Test func everyTopicIsReachableByOneName() {
        #expect(Topic.all.count >= 40, "\(Topic.all.count) topics")
        var seen: [String: String] = [:]
        for topic in Topic.all {
            for name in [topic.name] + topic.aliases {
                let key = Topic.key(name)
                #expect(seen[key] == nil, "\(name) names both \(seen[key] ?? "") and \(topic.name)")
                seen[key] = topic.name
                #expect(Topic.named(name)?.name == topic.name)
            }
        }
        // The four puzzles, by the words users type.
        for (words, topic) in [("grpo loss", "grpo-loss"), ("loss is 0", "grpo-loss"), ("which kl", "kl-penalty"),
                               ("dpo rewards fall", "dpo-rewards-fall"), ("Negative KL", "negative-kl"), ("kl not zero", "negative-kl")] {
            #expect(Topic.named(words)?.name == topic, "\(words)")
        }
    }

    @Test func everyTopicBelongsToAStageAndNamesRealCommands() {
        let stages = Set(Registry.standard.stages.map(\.name))
        let commands = Registry.standard.commands.map(\.name)
        for topic in Topic.all {
            #expect(stages.contains(topic.stage), "\(topic.name): stage \(topic.stage)")
            for shown in topic.shows where !shown.hasPrefix("scripts/") {
                #expect(commands.contains { shown == $0 || shown.hasPrefix($0 + " ") },
                        "\(topic.name) shows '\(shown)', which starts with no command")
            }
            #expect(topic.source.contains("20") || topic.source.contains("issue"), "\(topic.name) has no dated source")
        }
    }

    @Test func everyPageRendersWithAnEmptySession() {
        let session = Session()
        for topic in Topic.all {
            let page = topic.page(session)
            #expect(page.hasPrefix("\(topic.name): \(topic.title)\n"))
            #expect(!page.contains("in this session"), "\(topic.name) quotes a session that holds nothing")
        }
    }
}
