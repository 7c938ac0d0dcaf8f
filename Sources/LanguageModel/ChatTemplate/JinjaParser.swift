/// An expression of the Jinja subset.
indirect enum JinjaExpr: Sendable {
    case literal(JinjaValue)
    case name(String)
    case list([JinjaExpr])
    case dict([(JinjaExpr, JinjaExpr)])
    case attribute(JinjaExpr, String)
    case `subscript`(JinjaExpr, JinjaExpr)
    case slice(JinjaExpr, JinjaExpr?, JinjaExpr?, JinjaExpr?)
    case call(JinjaExpr, [JinjaExpr], [(String, JinjaExpr)])
    case filter(JinjaExpr, String, [JinjaExpr], [(String, JinjaExpr)])
    case test(JinjaExpr, String, [JinjaExpr], negated: Bool)
    case not(JinjaExpr)
    case negate(JinjaExpr)
    /// `and`, `or`, `+ - * / // % ~`, comparisons, `in`, `not in`.
    case binary(String, JinjaExpr, JinjaExpr)
    /// `value if condition else otherwise` (no `else`: undefined).
    case conditional(JinjaExpr, condition: JinjaExpr, otherwise: JinjaExpr?)
}

/// A statement of the template, with the template line it starts on.
struct JinjaNode: Sendable {
    indirect enum Kind: Sendable {
        case text(String)
        case output(JinjaExpr)
        case ifChain([(JinjaExpr, [JinjaNode])], otherwise: [JinjaNode])
        case forLoop(targets: [String], iterable: JinjaExpr, filter: JinjaExpr?, body: [JinjaNode], otherwise: [JinjaNode])
        /// `set name = …` or `set ns.attribute = …` (attribute non-nil).
        case set(name: String, attribute: String?, JinjaExpr)
        /// `set name %}…{% endset`: the body's output bound to `name`.
        case setBlock(name: String, body: [JinjaNode])
        case breakLoop
        case continueLoop
    }
    let kind: Kind
    let line: Int
}

/// Reads segments into statements, and tags into expressions, refusing what the subset
/// does not have by name.
struct JinjaParser {
    /// The filters, tests and globals the renderer knows, so that an unknown one is
    /// refused when the template is read, not when a conversation reaches it.
    static let filters: Set<String> = [
        "trim", "length", "count", "upper", "lower", "capitalize", "title", "string", "tojson", "join", "default", "d",
        "first", "last", "list", "reverse", "int", "float", "abs", "replace", "items", "selectattr", "rejectattr",
        "map", "unique", "safe",
    ]
    static let tests: Set<String> = [
        "defined", "undefined", "none", "string", "number", "integer", "float", "boolean", "true", "false", "mapping",
        "iterable", "sequence", "even", "odd", "divisibleby", "eq", "equalto", "ne", "in", "lower", "upper", "callable",
    ]

    var tokens: [JinjaLexer.Token] = []
    var position = 0
    var line = 0
    /// How deep the block, and the expression, being read are nested (`JinjaLimits.nesting`).
    var blockDepth = 0, depth = 0

    /// Counts one level of an expression's nesting; throws past `JinjaLimits.nesting`.
    mutating func enter() throws {
        depth += 1
        if depth > JinjaLimits.nesting { throw JinjaError("an expression nests deeper than \(JinjaLimits.nesting) levels", line: line) }
    }

    /// The template's statements.
    static func parse(_ source: String) throws -> [JinjaNode] {
        var segments = try JinjaLexer.segments(source)[...]
        var parser = JinjaParser()
        return try parser.block(&segments, until: []).0
    }

    /// Statements up to one of the `until` keywords, which is returned with its tag's
    /// tokens ready to read (nil at the end of the template).
    private mutating func block(
        _ segments: inout ArraySlice<JinjaLexer.Segment>, until: Set<String>
    ) throws -> ([JinjaNode], (keyword: String, line: Int)?) {
        blockDepth += 1
        defer { blockDepth -= 1 }
        if blockDepth > JinjaLimits.nesting { throw JinjaError("blocks nest deeper than \(JinjaLimits.nesting) levels", line: line) }
        var nodes: [JinjaNode] = []
        while let segment = segments.popFirst() {
            switch segment {
            case .text(let text):
                nodes.append(JinjaNode(kind: .text(text), line: line))
            case .output(let source, let line):
                try start(source, line: line)
                nodes.append(JinjaNode(kind: .output(try expression()), line: line))
                try finish()
            case .statement(let source, let line):
                try start(source, line: line)
                guard case .name(let keyword)? = next() else { throw JinjaError("a statement tag needs a keyword", line: line) }
                if until.contains(keyword) { return (nodes, (keyword, line)) }
                nodes.append(try statement(keyword, &segments))
            }
        }
        if !until.isEmpty {
            let wanted = until.sorted().map { "'\($0)'" }.joined(separator: " or ")
            throw JinjaError("the template ends before \(wanted)", line: line)
        }
        return (nodes, nil)
    }

    private mutating func statement(_ keyword: String, _ segments: inout ArraySlice<JinjaLexer.Segment>) throws -> JinjaNode {
        let at = line
        switch keyword {
        case "if":
            var branches: [(JinjaExpr, [JinjaNode])] = []
            var condition = try expression()
            try finish()
            while true {
                let (body, end) = try block(&segments, until: ["elif", "else", "endif"])
                branches.append((condition, body))
                switch end!.keyword {
                case "elif":
                    condition = try expression()
                    try finish()
                case "else":
                    try finish()
                    let (otherwise, _) = try block(&segments, until: ["endif"])
                    try finish()
                    return JinjaNode(kind: .ifChain(branches, otherwise: otherwise), line: at)
                default:
                    try finish()
                    return JinjaNode(kind: .ifChain(branches, otherwise: []), line: at)
                }
            }
        case "for":
            var targets = [try name()]
            while accept(.op(",")) { targets.append(try name()) }
            try expect(.name("in"))
            let iterable = try ternaryFree()
            let filter = accept(.name("if")) ? try ternaryFree() : nil
            if accept(.name("recursive")) { throw JinjaError("recursive loops are not supported", line: at) }
            try finish()
            let (body, end) = try block(&segments, until: ["else", "endfor"])
            var otherwise: [JinjaNode] = []
            try finish()
            if end!.keyword == "else" {
                (otherwise, _) = try block(&segments, until: ["endfor"])
                try finish()
            }
            return JinjaNode(kind: .forLoop(targets: targets, iterable: iterable, filter: filter, body: body, otherwise: otherwise), line: at)
        case "set":
            let target = try name()
            var attribute: String? = nil
            if accept(.op(".")) { attribute = try name() }
            if attribute == nil, position == tokens.count {
                let (body, _) = try block(&segments, until: ["endset"])
                try finish()
                return JinjaNode(kind: .setBlock(name: target, body: body), line: at)
            }
            if peek() == .op(",") { throw JinjaError("'set' to several names is not supported", line: at) }
            try expect(.op("="))
            let value = try expression()
            try finish()
            return JinjaNode(kind: .set(name: target, attribute: attribute, value), line: at)
        case "break", "continue":
            try finish()
            return JinjaNode(kind: keyword == "break" ? .breakLoop : .continueLoop, line: at)
        case "generation":
            // transformers' AssistantTracker marks the assistant's text; rendering is unchanged.
            try finish()
            let (body, _) = try block(&segments, until: ["endgeneration"])
            try finish()
            return JinjaNode(kind: .ifChain([(.literal(.bool(true)), body)], otherwise: []), line: at)
        default:
            let known = ["macro", "call", "filter", "include", "import", "from", "extends", "block", "raw", "with", "do", "autoescape"]
            if known.contains(keyword) {
                throw JinjaError("the '\(keyword)' statement is not supported", line: at)
            }
            if ["endif", "endfor", "endset", "elif", "else", "endgeneration"].contains(keyword) {
                throw JinjaError("'\(keyword)' without its opening tag", line: at)
            }
            throw JinjaError("unknown statement '\(keyword)'", line: at)
        }
    }

    // MARK: Tokens

    private mutating func start(_ source: String, line: Int) throws {
        tokens = try JinjaLexer.tokens(source, line: line)
        position = 0
        self.line = line
    }

    private mutating func finish() throws {
        if position < tokens.count { throw JinjaError("unexpected \(Self.describe(tokens[position])) in the tag", line: line) }
    }

    func peek(_ offset: Int = 0) -> JinjaLexer.Token? {
        position + offset < tokens.count ? tokens[position + offset] : nil
    }

    mutating func next() -> JinjaLexer.Token? {
        defer { position += 1 }
        return peek()
    }

    mutating func accept(_ token: JinjaLexer.Token) -> Bool {
        if peek() == token { position += 1; return true }
        return false
    }

    mutating func expect(_ token: JinjaLexer.Token) throws {
        guard accept(token) else {
            let found = peek().map(Self.describe) ?? "the end of the tag"
            throw JinjaError("expected \(Self.describe(token)), found \(found)", line: line)
        }
    }

    mutating func name() throws -> String {
        guard case .name(let n)? = peek() else {
            throw JinjaError("expected a name, found \(peek().map(Self.describe) ?? "the end of the tag")", line: line)
        }
        position += 1
        return n
    }

    static func describe(_ token: JinjaLexer.Token) -> String {
        switch token {
        case .name(let n): "'\(n)'"
        case .string(let s): "the string \(JinjaValue.pythonQuoted(s))"
        case .int(let i): "the number \(i)"
        case .double(let d): "the number \(d)"
        case .op(let o): "'\(o)'"
        }
    }
}
