import Foundation
import Testing

@testable import LanguageModel

/// A chat template from elsewhere runs within budgets (`JinjaLimits`): each one
/// passed is a `JinjaError` naming the construct, its line and the limit — never
/// an allocation of gigabytes, a stack overflow or a hang.
@Suite struct ChatTemplateBudgetTests {
    /// The error message of reading and rendering `source`, or nil when it renders.
    static func failure(_ source: String) -> String? {
        do {
            _ = try ChatTemplate(source).render([ChatMessage(role: "user", content: "hi")], addGenerationPrompt: true)
            return nil
        } catch let error as JinjaError {
            return error.description
        } catch {
            return "\(error)"
        }
    }

    static let cases: [(source: String, message: String)] = [
        ("{% for i in range(10**10) %}{% endfor %}",
         "chat template line 1: range() would make a list of 10000000000 items, past the limit of 65536"),
        ("{% for i in range(10**8) %}{% endfor %}",
         "chat template line 1: range() would make a list of 100000000 items, past the limit of 65536"),
        ("{{ 'x' * 10**11 }}", "chat template line 1: '*' would make a string of 100000000000 characters, past the limit of 1048576"),
        ("{% set ns = namespace(s='x') %}\n{% for i in range(40) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}",
         "chat template line 2: '~' would make a string of 2097152 characters, past the limit of 1048576"),
        ("{% for a in range(1000) %}{% for b in range(1000) %}{% for c in range(1000) %}{% endfor %}{% endfor %}{% endfor %}",
         "chat template line 1: a for loop passes the budget of 1000000 loop iterations per render"),
        ("{% set ns = namespace(x=1) %}{% for i in range(100) %}{% set ns.x = [ns.x] %}{% endfor %}{{ ns.x }}",
         "chat template line 1: lists and dicts nest deeper than 64 levels"),
        ("{% set ns = namespace(l=['x' * 100000]) %}{% for i in range(8) %}{% set ns.l = ns.l + ns.l %}{% endfor %}{{ ns.l }}",
         "chat template line 1: printing a value would make a string longer than the limit of 1048576"),
        ("{% set ns = namespace(l=['x' * 100000]) %}{% for i in range(8) %}{% set ns.l = ns.l + ns.l %}{% endfor %}{{ ns.l | join }}",
         "chat template line 1: join would make a string longer than the limit of 1048576"),
        ("{{ [1, 2] | tojson(indent=10**12) }}",
         "chat template line 1: tojson would make a string longer than the limit of 1048576"),
        ("{{ ('a' * 1000) | replace('a', 'b' * 10000) }}",
         "chat template line 1: the replace filter would make a string of 10000000 characters, past the limit of 1048576"),
        ("{{ " + String(repeating: "(", count: 30_000) + "1" + String(repeating: ")", count: 30_000) + " }}",
         "chat template line 1: an expression nests deeper than 200 levels"),
        ("{{ " + String(repeating: "not ", count: 30_000) + "1 }}", "chat template line 1: an expression nests deeper than 200 levels"),
        ("{{ " + String(repeating: "-", count: 30_000) + "1 }}", "chat template line 1: an expression nests deeper than 200 levels"),
        (String(repeating: "{% if true %}", count: 30_000) + String(repeating: "{% endif %}", count: 30_000),
         "chat template line 1: blocks nest deeper than 200 levels"),
    ]

    @Test(arguments: cases.indices)
    func aBudgetPassedIsAnError(_ index: Int) {
        let (source, message) = Self.cases[index]
        #expect(Self.failure(source) == message, "\(source.prefix(120))")
    }

    /// Within the budgets nothing changes: a large exponent of 1 is computed by
    /// squaring (not 10¹⁸ multiplications), a range at the list limit and 200 000
    /// loop iterations run, and a string just under the limit prints.
    @Test func workWithinTheBudgetsRuns() throws {
        func render(_ source: String) throws -> String {
            try ChatTemplate(source).render([], addGenerationPrompt: false)
        }
        #expect(try render("{{ 1 ** 1000000000000000000 }} {{ (-1) ** 999999999999999999 }} {{ 2 ** 62 }}") == "1 -1 4611686018427387904")
        #expect(try render("{{ range(65536) | length }} {{ range(-5, 5) | length }} {{ range(10, 0, -3) | list }}")
            == "65536 10 [10, 7, 4, 1]")
        #expect(try render("{% set ns = namespace(n=0) %}{% for a in range(400) %}{% for b in range(500) %}{% set ns.n = ns.n + 1 %}"
            + "{% endfor %}{% endfor %}{{ ns.n }}") == "200000")
        #expect(try render("{{ 'x' * 1048576 }}").utf8.count == 1_048_576)
        #expect(Self.failure("{{ 2 ** 63 }}") == "chat template line 1: the integer result of 2 ** 63 is too large")
    }
}
