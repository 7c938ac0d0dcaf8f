import Foundation

/// Runs a parsed template: statements write text, expressions evaluate with Python's
/// semantics (the filters, tests and methods are in `JinjaRenderer+Builtins.swift`).
final class JinjaRenderer {
    /// Variable frames, innermost last: the template's globals and variables, then one per loop body.
    private var scopes: [[String: JinjaValue]]
    private(set) var output = ""
    /// The template line being run, for error messages.
    var line = 0
    /// What this render has spent of its budgets (`JinjaLimits`).
    private var budget = JinjaBudget()

    private enum Flow { case normal, breakLoop, continueLoop }

    init(variables: [String: JinjaValue]) {
        var globals: [String: JinjaValue] = [:]
        for name in ["raise_exception", "namespace", "range"] { globals[name] = .function(name) }
        scopes = [globals.merging(variables) { $1 }]
    }

    func render(_ nodes: [JinjaNode]) throws {
        _ = try run(nodes)
    }

    private func run(_ nodes: [JinjaNode]) throws -> Flow {
        for node in nodes {
            line = node.line
            switch node.kind {
            case .text(let text):
                try write(text)
            case .output(let expr):
                try write(try text(try evaluate(expr), "printing a value"))
            case .ifChain(let branches, let otherwise):
                var taken: [JinjaNode] = otherwise
                for (condition, body) in branches where try evaluate(condition).isTrue {
                    taken = body
                    break
                }
                let flow = try run(taken)
                if flow != .normal { return flow }
            case .forLoop(let targets, let iterable, let filter, let body, let otherwise):
                try loop(targets, over: try evaluate(iterable), filter: filter, body: body, otherwise: otherwise)
            case .set(let name, nil, let expr):
                scopes[scopes.count - 1][name] = try evaluate(expr)
            case .set(let name, let attribute?, let expr):
                guard case .namespace(let ns) = lookup(name) else {
                    throw fail("'\(name)' is not a namespace, so '\(name).\(attribute)' cannot be set")
                }
                ns.attributes[attribute] = try evaluate(expr)
            case .setBlock(let name, let body):
                let saved = output
                output = ""
                _ = try run(body)
                scopes[scopes.count - 1][name] = .string(output)
                output = saved
            case .breakLoop:
                return .breakLoop
            case .continueLoop:
                return .continueLoop
            }
        }
        return .normal
    }

    /// `str(value)`, within the character and nesting limits.
    func text(_ value: JinjaValue, _ construct: String) throws -> String {
        try JinjaBudget.printable(value, construct, line: line)
        return value.text
    }

    /// Appends `text` to the output, within `JinjaLimits.characters`.
    private func write(_ text: String) throws {
        try JinjaBudget.string(output.utf8.count + text.utf8.count, "the rendered text", line: line)
        output += text
    }

    private func loop(
        _ targets: [String], over iterable: JinjaValue, filter: JinjaExpr?, body: [JinjaNode], otherwise: [JinjaNode]
    ) throws {
        let at = line
        var items = try iterate(iterable)
        if let filter {
            items = try items.filter { item in
                try budget.iterate(line: at)
                scopes.append([:])
                defer { scopes.removeLast() }
                try bind(targets, to: item)
                return try evaluate(filter).isTrue
            }
        }
        if items.isEmpty {
            _ = try run(otherwise)
            return
        }
        for (index, item) in items.enumerated() {
            try budget.iterate(line: at)
            var loop = JinjaDict()
            loop["index"] = .int(index + 1)
            loop["index0"] = .int(index)
            loop["revindex"] = .int(items.count - index)
            loop["revindex0"] = .int(items.count - index - 1)
            loop["first"] = .bool(index == 0)
            loop["last"] = .bool(index == items.count - 1)
            loop["length"] = .int(items.count)
            loop["previtem"] = index > 0 ? items[index - 1] : .undefined("loop.previtem")
            loop["nextitem"] = index + 1 < items.count ? items[index + 1] : .undefined("loop.nextitem")
            scopes.append(["loop": .dict(loop)])
            defer { scopes.removeLast() }
            line = at
            try bind(targets, to: item)
            if try run(body) == .breakLoop { break }
        }
    }

    private func bind(_ targets: [String], to item: JinjaValue) throws {
        if targets.count == 1 {
            scopes[scopes.count - 1][targets[0]] = item
            return
        }
        guard case .list(let parts) = item, parts.count == targets.count else {
            throw fail("cannot unpack \(item.typeName) into \(targets.count) names")
        }
        for (name, part) in zip(targets, parts) { scopes[scopes.count - 1][name] = part }
    }

    /// What a `for` loop goes over: a list's items, a dict's keys, a string's characters.
    func iterate(_ value: JinjaValue) throws -> [JinjaValue] {
        switch value {
        case .undefined: return []
        case .list(let items): return items
        case .dict(let d): return d.keys.map(JinjaValue.string)
        case .string(let s): return s.map { .string(String($0)) }
        default: throw fail("'\(value.typeName)' object is not iterable")
        }
    }

    private func lookup(_ name: String) -> JinjaValue {
        for scope in scopes.reversed() {
            if let value = scope[name] { return value }
        }
        return .undefined(name)
    }

    func fail(_ message: String) -> JinjaError {
        JinjaError(message, line: line)
    }

    // MARK: Expressions

    func evaluate(_ expr: JinjaExpr) throws -> JinjaValue {
        try budget.step(line: line)
        switch expr {
        case .literal(let value):
            return value
        case .name(let name):
            return lookup(name)
        case .list(let items):
            let list = JinjaValue.list(try items.map(evaluate))
            try JinjaBudget.nesting(list, line: line)
            return list
        case .dict(let pairs):
            var d = JinjaDict()
            for (key, value) in pairs {
                guard case .string(let k) = try evaluate(key) else { throw fail("dict keys must be strings here") }
                d[k] = try evaluate(value)
            }
            try JinjaBudget.nesting(.dict(d), line: line)
            return .dict(d)
        case .attribute(let object, let name):
            return try attribute(try evaluate(object), name)
        case .subscript(let object, let index):
            return try item(try evaluate(object), try evaluate(index))
        case .slice(let object, let start, let stop, let step):
            return try slice(try evaluate(object), try start.map(evaluate), try stop.map(evaluate), try step.map(evaluate))
        case .call(let callee, let args, let kwargs):
            let f = try evaluate(callee)
            let values = try args.map(evaluate)
            let named = try kwargs.map { ($0.0, try evaluate($0.1)) }
            return try call(f, values, named)
        case .filter(let value, let name, let args, let kwargs):
            let named = try kwargs.map { ($0.0, try evaluate($0.1)) }
            return try filter(name, try evaluate(value), try args.map(evaluate), named)
        case .test(let value, let name, let args, let negated):
            return .bool(try test(name, try evaluate(value), try args.map(evaluate)) != negated)
        case .not(let value):
            return .bool(!(try evaluate(value).isTrue))
        case .negate(let value):
            switch try evaluate(value) {
            case .int(let i):
                guard i != .min else { throw fail("the integer -(\(i)) is too large") }
                return .int(-i)
            case .double(let d): return .double(-d)
            case .bool(let b): return .int(b ? -1 : 0)
            case let v: throw fail("bad operand type for unary -: '\(v.typeName)'")
            }
        case .binary("and", let a, let b):
            let left = try evaluate(a)
            return left.isTrue ? try evaluate(b) : left
        case .binary("or", let a, let b):
            let left = try evaluate(a)
            return left.isTrue ? left : try evaluate(b)
        case .binary(let op, let a, let b):
            return try binary(op, try evaluate(a), try evaluate(b))
        case .conditional(let value, let condition, let otherwise):
            if try evaluate(condition).isTrue { return try evaluate(value) }
            return try otherwise.map(evaluate) ?? .undefined("the else branch")
        }
    }

    private func binary(_ op: String, _ a: JinjaValue, _ b: JinjaValue) throws -> JinjaValue {
        switch op {
        case "==": return .bool(a == b)
        case "!=": return .bool(a != b)
        case "<", ">", "<=", ">=":
            let order: Int
            if let x = a.number, let y = b.number {
                order = x < y ? -1 : x > y ? 1 : 0
            } else if case .string(let x) = a, case .string(let y) = b {
                let (u, v) = (x.unicodeScalars.map(\.value), y.unicodeScalars.map(\.value))
                order = u.lexicographicallyPrecedes(v) ? -1 : u == v ? 0 : 1
            } else {
                throw fail("'\(op)' not supported between '\(a.typeName)' and '\(b.typeName)'")
            }
            switch op {
            case "<": return .bool(order < 0)
            case ">": return .bool(order > 0)
            case "<=": return .bool(order <= 0)
            default: return .bool(order >= 0)
            }
        case "in", "not in":
            let found: Bool
            switch b {
            case .string(let s):
                guard case .string(let needle) = a else { throw fail("'in <string>' requires a string on the left, not '\(a.typeName)'") }
                found = needle.isEmpty || s.contains(needle)
            case .list(let items): found = items.contains(a)
            case .dict(let d):
                if case .string(let key) = a { found = d.contains(key) } else { found = false }
            case .undefined: found = false
            default: throw fail("argument of type '\(b.typeName)' is not iterable")
            }
            return .bool(found != (op == "not in"))
        case "~":
            let (x, y) = (try text(a, "'~'"), try text(b, "'~'"))
            try JinjaBudget.string(x.utf8.count + y.utf8.count, "'~'", line: line)
            return .string(x + y)
        case "+":
            switch (a, b) {
            case (.string(let x), .string(let y)):
                try JinjaBudget.string(x.utf8.count + y.utf8.count, "'+'", line: line)
                return .string(x + y)
            case (.list(let x), .list(let y)):
                try JinjaBudget.list(x.count + y.count, "'+'", line: line)
                return .list(x + y)
            default: break
            }
        case "*":
            switch (a, b) {
            case (.string(let s), .int(let n)), (.int(let n), .string(let s)):
                let (size, overflow) = s.utf8.count.multipliedReportingOverflow(by: max(0, n))
                try JinjaBudget.string(overflow ? .max : size, "'*'", line: line)
                return .string(String(repeating: s, count: max(0, n)))
            default: break
            }
        default: break
        }
        return try arithmetic(op, a, b)
    }

    private func arithmetic(_ op: String, _ a: JinjaValue, _ b: JinjaValue) throws -> JinjaValue {
        guard let x = a.number, let y = b.number else {
            throw fail("unsupported operand types for \(op): '\(a.typeName)' and '\(b.typeName)'")
        }
        func integer(_ v: JinjaValue) -> Int? {
            switch v {
            case .int(let i): i
            case .bool(let b): b ? 1 : 0
            default: nil
            }
        }
        let integers = integer(a).flatMap { i in integer(b).map { (i, $0) } }
        if (op == "/" || op == "//" || op == "%"), y == 0 { throw fail("division by zero") }
        if let (i, j) = integers {
            // Python's integers do not overflow; a result past 64 bits is refused, not wrapped.
            func exact(_ r: (partialValue: Int, overflow: Bool)) throws -> JinjaValue {
                guard !r.overflow else { throw fail("the integer result of \(i) \(op) \(j) is too large") }
                return .int(r.partialValue)
            }
            switch op {
            case "+": return try exact(i.addingReportingOverflow(j))
            case "-": return try exact(i.subtractingReportingOverflow(j))
            case "*": return try exact(i.multipliedReportingOverflow(by: j))
            case "//":  // floor division: the truncated quotient, one less when the signs differ and a remainder is left
                let q = i.dividedReportingOverflow(by: j), r = i.remainderReportingOverflow(dividingBy: j).partialValue
                return try exact((q.partialValue - (r != 0 && (r < 0) != (j < 0) ? 1 : 0), q.overflow))
            case "%":  // the remainder takes the divisor's sign
                let r = i.remainderReportingOverflow(dividingBy: j).partialValue
                return .int(r != 0 && (r < 0) != (j < 0) ? r + j : r)
            case "**" where j >= 0:  // by squaring: a huge exponent of 0, 1 or -1 is quick
                var (r, base, e) = (1, i, j)
                while e > 0 {
                    if e & 1 == 1 { r = try exact(r.multipliedReportingOverflow(by: base)).intValue }
                    e >>= 1
                    if e > 0 { base = try exact(base.multipliedReportingOverflow(by: base)).intValue }
                }
                return .int(r)
            default: break
            }
        }
        switch op {
        case "+": return .double(x + y)
        case "-": return .double(x - y)
        case "*": return .double(x * y)
        case "/": return .double(x / y)
        case "//": return .double((x / y).rounded(.down))
        case "%": return .double(x - y * (x / y).rounded(.down))
        case "**": return .double(pow(x, y))
        default: throw fail("unknown operator \(op)")
        }
    }
}
