import Foundation
@testable import Shell
import Testing
import World

/// The command registry as a whole: every help example parses, and every
/// method's settings table is reachable by `set METHOD.NAME`.
@Suite struct RegistryTests {
    /// Each example line of each command's help parses against the registry
    /// (variables resolve to a placeholder word), so no help shows a line that
    /// would be refused.
    @Test func everyHelpExampleParses() throws {
        let lexer = Lexer(lookup: { _ in "x" })
        var failures: [String] = []
        for spec in Registry.standard.commands {
            for example in spec.examples {
                do {
                    // (An example may show the command that follows: fit's shows plot.)
                    _ = try Registry.standard.parse(try lexer.tokens(example), line: example)
                } catch {
                    failures.append("\(spec.name): '\(example)': \(error.message)")
                }
            }
        }
        #expect(failures.isEmpty, "\(failures.joined(separator: "\n"))")
    }

    /// Every prompt a help example asks a chat model or the gold labeler about
    /// is one of the world's, so gold judges it (issue 31: "What is 3 + 4?" was not).
    /// Every command that starts or runs a method says why the method does what
    /// it does (the paragraph "Why:" of its help page), and no other page is
    /// left with an empty one by accident: the list below is every method's command.
    @Test func everyMethodSaysWhy() {
        let methods: Set = ["pretrain", "sft", "label", "train rm", "reward", "bestofn", "rs round", "rest grow", "rest improve",
                            "ppo init", "grpo init", "rloo init", "dpo init", "cai revise", "hir relabel", "hir train", "eval"]
        for spec in Registry.standard.commands where methods.contains(spec.name) {
            #expect(spec.why.count > 100, "\(spec.name) says no why")
            #expect(Commands.page(spec).contains("Why: "), "\(spec.name)'s page shows no why")
        }
        #expect(Set(Registry.standard.commands.map(\.name)).isSuperset(of: methods))
    }

    @Test func everyHelpExamplePromptIsTheWorlds() throws {
        let world = Session().currentWorld
        var failures: [String] = []
        for spec in Registry.standard.commands where ["generate", "score", "gold", "bestofn"].contains(spec.name) {
            for example in spec.examples where !example.contains("generate base") {
                guard let start = example.firstIndex(of: "\""), let end = example[example.index(after: start)...].firstIndex(of: "\"") else { continue }
                let prompt = String(example[example.index(after: start)..<end])
                if world.understood(prompt) == nil { failures.append("\(spec.name): '\(prompt)' is not a prompt gold can judge") }
            }
        }
        #expect(failures.isEmpty, "\(failures.joined(separator: "\n"))")
    }

    /// `set METHOD.NAME VALUE` takes every option a settings table gave any
    /// command (at its default, or the first choice), and a later command of
    /// that method sees it in the session's method defaults.
    @Test func everySettingsTableOptionCanBeSet() throws {
        let options = Registry.standard.commands.flatMap(\.options).filter { $0.method != nil }
        #expect(Set(options.compactMap(\.method)).isSuperset(of: ["pretrain", "sft", "rm", "rs", "rest", "hir", "ppo", "dpo", "grpo", "rloo"]))
        for option in options {
            let value: String
            switch option.kind {
            case let .choice(words): value = words.last!
            case .bool: value = "true"
            default: value = option.defaultValue ?? "1"
            }
            let name = "\(option.method!).\(option.name)"
            var out = ""
            let session = Session()
            let runner = Runner(session: session, write: { out += $0 }, writeError: { out += $0 })
            _ = runner.run(TextSource("set \(name) \(value)", name: "t"))
            #expect(!runner.failed, "set \(name) \(value): \(out)")
            #expect(session.methodDefaults[name] == value, "set \(name) did not stick")
        }
    }

    /// A help text that tells the user to `set METHOD.NAME` names a method
    /// whose settings `set` knows (the defect was `grpo init`'s help
    /// promising set grpo.NAME while set treated it as a variable).
    @Test func everySetPromisedInHelpIsRegistered() throws {
        let methods = Set(Registry.standard.methodSettings.keys)
        let pattern = try NSRegularExpression(pattern: #"set ([a-z_]+)\.[A-Za-z_]+"#)
        var missing: [String] = []
        for spec in Registry.standard.commands {
            let text = ([spec.help] + spec.examples).joined(separator: "\n")
            for match in pattern.matches(in: text, range: NSRange(text.startIndex..., in: text)) {
                let method = (text as NSString).substring(with: match.range(at: 1))
                if !methods.contains(method) { missing.append("\(spec.name): set \(method).…") }
            }
        }
        #expect(missing.isEmpty, "\(missing.joined(separator: "\n"))")
    }
}
