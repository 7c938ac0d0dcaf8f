import Datasets
import LanguageModel

extension Commands {
    static let tokenize = CommandSpec(
        "tokenize",
        arguments: [.argument("TEXT", .string, "the text to split")],
        options: [.option("with", .name, "a tokenizer, or a model whose tokenizer to use"), Paging.option],
        summary: "show how a text splits into tokens, with their ids",
        help: """
            Prints each token of TEXT with its id: a way to see what the model \
            actually reads. Ġ stands for a space and Ċ for a newline, as in GPT-2's \
            byte-level alphabet. Without with=, uses the only tokenizer or model in the session. \
            A text of more than \(Paging.rows) tokens is listed a page at a time (page=K).
            """,
        examples: ["tokenize \"What is 1 + 9?\" with=tok"]
    ) { invocation, context in
        let tokenizer = try resolveTokenizer(invocation, context.session)
        let ids = tokenizer.encode(invocation.argument("TEXT"))
        let rows = ids.map { [String($0), tokenizer.token(for: $0) ?? "?"] }
        context.session.values["tokenize.count"] = Double(ids.count)
        return CommandOutput("\(ids.count) tokens\n" + (try Paging(invocation).render(Table(["id", "token"], rows), invocation)))
    }

    /// The tokenizer named by with= (a tokenizer or a model's), or the only one in the session.
    static func resolveTokenizer(_ invocation: Invocation, _ s: Session) throws -> BPETokenizer {
        if let name = invocation.optional("with") {
            if let t = s.tokenizers[name] { return t }
            if let m = s.models[name] {
                guard let t = m.tokenizer else { throw invocation.error("model \(name) has no tokenizer", at: "with") }
                return t
            }
            throw invocation.error("no tokenizer or model '\(name)'", at: "with")
        }
        let all = Array(s.tokenizers.values) + s.models.values.compactMap(\.tokenizer)
        guard let first = all.first else { throw invocation.error("there is no tokenizer yet: train tokenizer, or load model") }
        guard all.allSatisfy({ $0 === first }) else { throw invocation.error("several tokenizers: say which with with=NAME") }
        return first
    }

    /// The text a record contributes to a tokenizer or to pretraining.
    static func plainText(_ r: Record) -> String {
        switch r {
        case let .text(t): return t
        case let .completion(p, c, _), let .unpaired(p, c, _, _): return p + " " + c
        case let .messages(m): return m.map(\.content).joined(separator: " ")
        case let .preference(p, c, _, _, _, _, _): return p + " " + c
        case let .ranking(p, rs, rank, _): return p + " " + rs[rank[0]]
        case let .prompt(p, _, _, _): return p
        }
    }
}
