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

    private var tokens: [JinjaLexer.Token] = []
    private var position = 0
    private var line = 0

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

    private func peek(_ offset: Int = 0) -> JinjaLexer.Token? {
        position + offset < tokens.count ? tokens[position + offset] : nil
    }

    private mutating func next() -> JinjaLexer.Token? {
        defer { position += 1 }
        return peek()
    }

    private mutating func accept(_ token: JinjaLexer.Token) -> Bool {
        if peek() == token { position += 1; return true }
        return false
    }

    private mutating func expect(_ token: JinjaLexer.Token) throws {
        guard accept(token) else {
            let found = peek().map(Self.describe) ?? "the end of the tag"
            throw JinjaError("expected \(Self.describe(token)), found \(found)", line: line)
        }
    }

    private mutating func name() throws -> String {
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

    // MARK: Expressions, lowest precedence first (Jinja's own order)

    mutating func expression() throws -> JinjaExpr {
        let value = try ternaryFree()
        guard accept(.name("if")) else { return value }
        let condition = try ternaryFree()
        let otherwise = accept(.name("else")) ? try expression() : nil
        return .conditional(value, condition: condition, otherwise: otherwise)
    }

    private mutating func ternaryFree() throws -> JinjaExpr {
        var left = try and()
        while accept(.name("or")) { left = .binary("or", left, try and()) }
        return left
    }

    private mutating func and() throws -> JinjaExpr {
        var left = try not()
        while accept(.name("and")) { left = .binary("and", left, try not()) }
        return left
    }

    private mutating func not() throws -> JinjaExpr {
        accept(.name("not")) ? .not(try not()) : try comparison()
    }

    private mutating func comparison() throws -> JinjaExpr {
        let first = try sum()
        var result: JinjaExpr? = nil
        var left = first
        while true {
            let op: String
            if case .op(let o)? = peek(), ["==", "!=", "<", ">", "<=", ">="].contains(o) {
                op = o; position += 1
            } else if accept(.name("in")) {
                op = "in"
            } else if peek() == .name("not"), peek(1) == .name("in") {
                position += 2; op = "not in"
            } else {
                break
            }
            let right = try sum()
            let term = JinjaExpr.binary(op, left, right)
            result = result.map { .binary("and", $0, term) } ?? term  // a < b < c
            left = right
        }
        return result ?? first
    }

    private mutating func sum() throws -> JinjaExpr {
        var left = try concatenation()
        while case .op(let o)? = peek(), o == "+" || o == "-" {
            position += 1
            left = .binary(o, left, try concatenation())
        }
        return left
    }

    private mutating func concatenation() throws -> JinjaExpr {
        var left = try product()
        while accept(.op("~")) { left = .binary("~", left, try product()) }
        return left
    }

    private mutating func product() throws -> JinjaExpr {
        var left = try power()
        while case .op(let o)? = peek(), ["*", "/", "//", "%"].contains(o) {
            position += 1
            left = .binary(o, left, try power())
        }
        return left
    }

    private mutating func power() throws -> JinjaExpr {
        let left = try unary()
        return accept(.op("**")) ? .binary("**", left, try unary()) : left
    }

    private mutating func unary() throws -> JinjaExpr {
        if accept(.op("-")) { return try filtered(.negate(try unary(filtered: false))) }
        if accept(.op("+")) { return try unary() }
        return try unary(filtered: true)
    }

    private mutating func unary(filtered: Bool) throws -> JinjaExpr {
        if accept(.op("-")) { return .negate(try unary(filtered: false)) }
        let value = try postfix(try primary())
        return filtered ? try self.filtered(value) : value
    }

    /// Filters (`| name(args)`) and tests (`is [not] name [arg]`) after a value.
    private mutating func filtered(_ value: JinjaExpr) throws -> JinjaExpr {
        var value = value
        while true {
            if accept(.op("|")) {
                let filter = try name()
                guard Self.filters.contains(filter) else {
                    throw JinjaError("the filter '\(filter)' is not supported", line: line)
                }
                let (args, kwargs) = accept(.op("(")) ? try arguments() : ([], [])
                value = try postfix(.filter(value, filter, args, kwargs))
            } else if accept(.name("is")) {
                let negated = accept(.name("not"))
                var test = try name()
                if test == "none" || test == "true" || test == "false" { test = test.lowercased() }
                guard Self.tests.contains(test) else { throw JinjaError("the test '\(test)' is not supported", line: line) }
                var args: [JinjaExpr] = []
                if accept(.op("(")) {
                    args = try arguments().0
                } else if let token = peek(), Self.startsArgument(token) {
                    args = [try postfix(try primary())]
                }
                value = .test(value, test, args, negated: negated)
            } else {
                return value
            }
        }
    }

    private static func startsArgument(_ token: JinjaLexer.Token) -> Bool {
        switch token {
        case .string, .int, .double: true
        case .name(let n): !["and", "or", "if", "else", "in", "not", "is"].contains(n)
        case .op(let o): o == "[" || o == "{"
        }
    }

    private mutating func postfix(_ value: JinjaExpr) throws -> JinjaExpr {
        var value = value
        while true {
            if accept(.op(".")) {
                if case .int(let index)? = peek() {
                    position += 1
                    value = .subscript(value, .literal(.int(index)))
                } else {
                    value = .attribute(value, try name())
                }
            } else if accept(.op("[")) {
                value = try subscriptOrSlice(value)
            } else if accept(.op("(")) {
                let (args, kwargs) = try arguments()
                value = .call(value, args, kwargs)
            } else {
                return value
            }
        }
    }

    private mutating func subscriptOrSlice(_ value: JinjaExpr) throws -> JinjaExpr {
        var parts: [JinjaExpr?] = [nil]
        var colons = 0
        while !accept(.op("]")) {
            if accept(.op(":")) {
                colons += 1
                guard colons <= 2 else { throw JinjaError("a slice has at most two ':'", line: line) }
                parts.append(nil)
            } else {
                guard parts[parts.count - 1] == nil else { throw JinjaError("expected ']' in the subscript", line: line) }
                parts[parts.count - 1] = try expression()
            }
        }
        if colons == 0 {
            guard let index = parts[0] else { throw JinjaError("an empty subscript '[]'", line: line) }
            return .subscript(value, index)
        }
        while parts.count < 3 { parts.append(nil) }
        return .slice(value, parts[0], parts[1], parts[2])
    }

    /// Call arguments after `(`, through `)`: positional, then `name=value`.
    private mutating func arguments() throws -> ([JinjaExpr], [(String, JinjaExpr)]) {
        var args: [JinjaExpr] = []
        var kwargs: [(String, JinjaExpr)] = []
        while !accept(.op(")")) {
            if !args.isEmpty || !kwargs.isEmpty { try expect(.op(",")) }
            if accept(.op(")")) { break }  // a trailing comma
            if case .name(let key)? = peek(), peek(1) == .op("=") {
                position += 2
                kwargs.append((key, try expression()))
            } else {
                guard kwargs.isEmpty else { throw JinjaError("a positional argument after a keyword one", line: line) }
                args.append(try expression())
            }
        }
        return (args, kwargs)
    }

    private mutating func primary() throws -> JinjaExpr {
        guard let token = next() else { throw JinjaError("an expression is missing", line: line) }
        switch token {
        case .name(let n):
            switch n {
            case "true", "True": return .literal(.bool(true))
            case "false", "False": return .literal(.bool(false))
            case "none", "None": return .literal(.none)
            default: return .name(n)
            }
        case .string(var s):
            while case .string(let more)? = peek() { s += more; position += 1 }  // 'a' 'b' is 'ab'
            return .literal(.string(s))
        case .int(let i): return .literal(.int(i))
        case .double(let d): return .literal(.double(d))
        case .op("("):
            let first = try expression()
            if accept(.op(")")) { return first }
            var items = [first]  // a tuple, kept as a list
            while accept(.op(",")) {
                if peek() == .op(")") { break }
                items.append(try expression())
            }
            try expect(.op(")"))
            return .list(items)
        case .op("["):
            var items: [JinjaExpr] = []
            while !accept(.op("]")) {
                if !items.isEmpty { try expect(.op(",")); if accept(.op("]")) { break } }
                items.append(try expression())
            }
            return .list(items)
        case .op("{"):
            var pairs: [(JinjaExpr, JinjaExpr)] = []
            while !accept(.op("}")) {
                if !pairs.isEmpty { try expect(.op(",")); if accept(.op("}")) { break } }
                let key = try expression()
                try expect(.op(":"))
                pairs.append((key, try expression()))
            }
            return .dict(pairs)
        default:
            throw JinjaError("unexpected \(Self.describe(token))", line: line)
        }
    }
}
