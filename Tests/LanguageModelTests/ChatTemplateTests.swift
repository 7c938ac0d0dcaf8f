import Foundation
import Testing

@testable import LanguageModel

/// The Jinja subset against what transformers renders (Fixtures/make_chat_template_fixtures.py):
/// eight real models' chat templates on fixed conversations, and 113 small expressions.
@Suite struct ChatTemplateTests {
    static func fixture(_ name: String) throws -> HeaderJSON {
        let url = SafetensorsFixtures.folder.appendingPathComponent(name)
        return try HeaderJSONParser.parse(Array(try Data(contentsOf: url)))
    }

    static func string(_ json: HeaderJSON?) -> String? {
        if case .string(let s)? = json { s } else { nil }
    }

    static func variables(_ json: HeaderJSON?) -> [String: JinjaValue] {
        guard case .object(let members)? = json else { return [:] }
        return Dictionary(uniqueKeysWithValues: members.map { ($0.key, JinjaValue(json: $0.value)) })
    }

    @Test func realTemplatesRenderAsTransformersDoes() throws {
        guard case .array(let cases) = try Self.fixture("chat_templates.json") else { throw Failure("not a list") }
        var renders = 0, errors = 0
        for c in cases {
            let name = Self.string(c["name"]) ?? "?"
            var tokens: [String: String] = [:]
            tokens["bos_token"] = Self.string(c["bos_token"])
            tokens["eos_token"] = Self.string(c["eos_token"])
            let template = try ChatTemplate(try #require(Self.string(c["template"])), specialTokens: tokens)
            if case .array(let list)? = c["renders"] {
                for r in list {
                    let generation: Bool = if case .bool(let b)? = r["add_generation_prompt"] { b } else { false }
                    let got = try template.render(
                        messages: JinjaValue(json: try #require(r["messages"])), addGenerationPrompt: generation,
                        variables: Self.variables(r["extra"]))
                    #expect(got == Self.string(r["text"]), "\(name): \(Self.string(r["conversation"]) ?? "")")
                    renders += 1
                }
            }
            if case .array(let list)? = c["errors"] {
                for e in list {
                    let generation: Bool = if case .bool(let b)? = e["add_generation_prompt"] { b } else { false }
                    let error = #expect(throws: JinjaError.self, "\(name): \(Self.string(e["conversation"]) ?? "")") {
                        try template.render(
                            messages: JinjaValue(json: try #require(e["messages"])), addGenerationPrompt: generation,
                            variables: Self.variables(e["extra"]))
                    }
                    #expect(error?.raised == true && error?.message == Self.string(e["message"]), "\(name)")
                    errors += 1
                }
            }
        }
        #expect(renders == 89 && errors == 13)
    }

    @Test func expressionsRenderAsJinjaDoes() throws {
        guard case .array(let cases) = try Self.fixture("jinja_expressions.json") else { throw Failure("not a list") }
        #expect(cases.count == 113)
        for c in cases {
            let name = Self.string(c["name"]) ?? "?"
            let source = try #require(Self.string(c["template"]))
            do {
                let template = try ChatTemplate(source)
                let got = try template.render(messages: .list([]), addGenerationPrompt: false, variables: Self.variables(c["variables"]))
                #expect(got == Self.string(c["text"]), "\(name): \(source.debugDescription)")
            } catch {
                Issue.record("\(name): \(source.debugDescription) fails: \(error)")
            }
        }
    }

    @Test(arguments: [
        ("{% macro m() %}x{% endmacro %}", "chat template line 1: the 'macro' statement is not supported"),
        ("a\n{{ x | shuffle }}", "chat template line 2: the filter 'shuffle' is not supported"),
        ("{% if x is prime %}{% endif %}", "chat template line 1: the test 'prime' is not supported"),
        ("a\nb\n{% if x %}never closed", "chat template line 3: the template ends before 'elif' or 'else' or 'endif'"),
        ("{{ 'open", "chat template line 1: a tag opened here is never closed"),
        ("{% endfor %}", "chat template line 1: 'endfor' without its opening tag"),
        ("{{ x + }}", "chat template line 1: an expression is missing"),
        ("{% for a b %}{% endfor %}", "chat template line 1: expected 'in', found 'b'"),
    ])
    func unsupportedTemplatesAreRefusedWithTheConstructNamed(source: String, message: String) {
        #expect(throws: JinjaError.self) { try ChatTemplate(source) }
        do { _ = try ChatTemplate(source) } catch { #expect("\(error)" == message) }
    }

    @Test func evaluationErrorsNameTheirLine() throws {
        let template = try ChatTemplate("line one\n{{ messages[0].content.missing.deeper }}")
        let error = #expect(throws: JinjaError.self) {
            try template.render([ChatMessage(role: "user", content: "hi")], addGenerationPrompt: false)
        }
        #expect(error?.description == "chat template line 2: 'missing' is undefined, so it has no attribute 'deeper'")
        let refusing = try ChatTemplate("{{ raise_exception('Roles must alternate') }}")
        let refusal = #expect(throws: JinjaError.self) { try refusing.render([], addGenerationPrompt: true) }
        #expect(refusal?.description == "the chat template refuses: Roles must alternate")
        // Python's integers do not wrap; past 64 bits the template is refused, not the process killed.
        for (source, message) in [("{{ 10 ** 20 }}", "the integer result of 10 ** 20 is too large"),
                                  ("{{ 9223372036854775807 + 1 }}", "the integer result of 9223372036854775807 + 1 is too large"),
                                  ("{{ (1.0e300 * 1.0e300) | int }}", "int(inf) is not a 64-bit integer")] {
            let template = try ChatTemplate(source)
            let error = #expect(throws: JinjaError.self) { try template.render([], addGenerationPrompt: false) }
            #expect(error?.message == message, "\(source)")
        }
    }

    struct Failure: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }
}
