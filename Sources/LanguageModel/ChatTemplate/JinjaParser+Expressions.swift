/// The expression grammar of the subset: recursive descent over a tag's tokens,
/// lowest precedence first, in Jinja's own order (conditional, or, and, not,
/// comparisons, + -, ~, * / // %, **, unary, filters and tests, postfix, primary).
extension JinjaParser {
    mutating func expression() throws -> JinjaExpr {
        try enter()
        defer { depth -= 1 }
        let value = try ternaryFree()
        guard accept(.name("if")) else { return value }
        let condition = try ternaryFree()
        let otherwise = accept(.name("else")) ? try expression() : nil
        return .conditional(value, condition: condition, otherwise: otherwise)
    }

    mutating func ternaryFree() throws -> JinjaExpr {
        var left = try and()
        while accept(.name("or")) { left = .binary("or", left, try and()) }
        return left
    }

    fileprivate mutating func and() throws -> JinjaExpr {
        var left = try not()
        while accept(.name("and")) { left = .binary("and", left, try not()) }
        return left
    }

    fileprivate mutating func not() throws -> JinjaExpr {
        try enter()
        defer { depth -= 1 }
        return accept(.name("not")) ? .not(try not()) : try comparison()
    }

    fileprivate mutating func comparison() throws -> JinjaExpr {
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

    fileprivate mutating func sum() throws -> JinjaExpr {
        var left = try concatenation()
        while case .op(let o)? = peek(), o == "+" || o == "-" {
            position += 1
            left = .binary(o, left, try concatenation())
        }
        return left
    }

    fileprivate mutating func concatenation() throws -> JinjaExpr {
        var left = try product()
        while accept(.op("~")) { left = .binary("~", left, try product()) }
        return left
    }

    fileprivate mutating func product() throws -> JinjaExpr {
        var left = try power()
        while case .op(let o)? = peek(), ["*", "/", "//", "%"].contains(o) {
            position += 1
            left = .binary(o, left, try power())
        }
        return left
    }

    fileprivate mutating func power() throws -> JinjaExpr {
        let left = try unary()
        return accept(.op("**")) ? .binary("**", left, try unary()) : left
    }

    fileprivate mutating func unary() throws -> JinjaExpr {
        try enter()
        defer { depth -= 1 }
        if accept(.op("-")) { return try filtered(.negate(try unary(filtered: false))) }
        if accept(.op("+")) { return try unary() }
        return try unary(filtered: true)
    }

    fileprivate mutating func unary(filtered: Bool) throws -> JinjaExpr {
        try enter()
        defer { depth -= 1 }
        if accept(.op("-")) { return .negate(try unary(filtered: false)) }
        let value = try postfix(try primary())
        return filtered ? try self.filtered(value) : value
    }

    /// Filters (`| name(args)`) and tests (`is [not] name [arg]`) after a value.
    fileprivate mutating func filtered(_ value: JinjaExpr) throws -> JinjaExpr {
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

    fileprivate static func startsArgument(_ token: JinjaLexer.Token) -> Bool {
        switch token {
        case .string, .int, .double: true
        case .name(let n): !["and", "or", "if", "else", "in", "not", "is"].contains(n)
        case .op(let o): o == "[" || o == "{"
        }
    }

    fileprivate mutating func postfix(_ value: JinjaExpr) throws -> JinjaExpr {
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

    fileprivate mutating func subscriptOrSlice(_ value: JinjaExpr) throws -> JinjaExpr {
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
    fileprivate mutating func arguments() throws -> ([JinjaExpr], [(String, JinjaExpr)]) {
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

    fileprivate mutating func primary() throws -> JinjaExpr {
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
