import Foundation

/// The filters, tests, methods and globals of the subset, with the behaviour of
/// Jinja 3 and Python 3 (what transformers renders with).
extension JinjaRenderer {
    // MARK: Lookups

    /// `value.name`: a method of a string or dict, else a dict's item (Jinja's `getattr`).
    func attribute(_ value: JinjaValue, _ name: String) throws -> JinjaValue {
        switch value {
        case .undefined(let what): throw fail("'\(what)' is undefined, so it has no attribute '\(name)'")
        case .string where Self.stringMethods.contains(name): return .method(value, name)
        case .dict where Self.dictMethods.contains(name): return .method(value, name)
        case .dict(let d): return d[name]
        case .namespace(let ns): return ns.attributes[name]
        default: return .undefined(name)
        }
    }

    /// `value[index]`.
    func item(_ value: JinjaValue, _ index: JinjaValue) throws -> JinjaValue {
        switch (value, index) {
        case (.undefined(let what), _): throw fail("'\(what)' is undefined, so it cannot be indexed")
        case (.list(let items), .int(let i)):
            let k = i < 0 ? items.count + i : i
            return items.indices.contains(k) ? items[k] : .undefined("item \(i)")
        case (.string(let s), .int(let i)):
            let scalars = Array(s.unicodeScalars)
            let k = i < 0 ? scalars.count + i : i
            return scalars.indices.contains(k) ? .string(String(scalars[k])) : .undefined("character \(i)")
        case (.dict(let d), .string(let key)): return d[key]
        case (.namespace, .string(let key)), (.string, .string(let key)): return try attribute(value, key)
        default: return .undefined("[\(index.repr)]")
        }
    }

    /// `value[start:stop:step]` with Python's rules for negative and missing bounds.
    func slice(_ value: JinjaValue, _ start: JinjaValue?, _ stop: JinjaValue?, _ step: JinjaValue?) throws -> JinjaValue {
        func bound(_ v: JinjaValue?) throws -> Int? {
            switch v {
            case nil, .none?: return nil
            case .int(let i)?: return i
            case let other?: throw fail("slice indices must be integers, not '\(other.typeName)'")
            }
        }
        let step = try bound(step) ?? 1
        guard step != 0 else { throw fail("slice step cannot be zero") }
        func indices(_ count: Int) throws -> [Int] {
            func clamp(_ i: Int?, _ fallback: Int) -> Int {
                guard var i else { return fallback }
                if i < 0 { i += count }
                return step > 0 ? min(max(i, 0), count) : min(max(i, -1), count - 1)
            }
            let from = clamp(try bound(start), step > 0 ? 0 : count - 1)
            let to = clamp(try bound(stop), step > 0 ? count : -1)
            return Array(stride(from: from, to: to, by: step))
        }
        switch value {
        case .list(let items): return .list(try indices(items.count).map { items[$0] })
        case .string(let s):
            let scalars = Array(s.unicodeScalars)
            return .string(String(String.UnicodeScalarView(try indices(scalars.count).map { scalars[$0] })))
        default: throw fail("'\(value.typeName)' cannot be sliced")
        }
    }

    // MARK: Calls

    func call(_ callee: JinjaValue, _ args: [JinjaValue], _ kwargs: [(String, JinjaValue)]) throws -> JinjaValue {
        switch callee {
        case .function("raise_exception"):
            throw JinjaError(args.first?.text ?? "", line: line, raised: true)
        case .function("namespace"):
            var d = JinjaDict()
            if case .dict(let initial)? = args.first { d = initial }
            for (key, value) in kwargs { d[key] = value }
            return .namespace(JinjaNamespace(d))
        case .function("range"):
            let bounds = try args.map { v -> Int in
                guard case .int(let i) = v else { throw fail("range() takes integers") }
                return i
            }
            guard (1...3).contains(bounds.count), bounds.count < 3 || bounds[2] != 0 else { throw fail("range() takes 1 to 3 integers") }
            let (start, stop) = bounds.count == 1 ? (0, bounds[0]) : (bounds[0], bounds[1])
            let step = bounds.count == 3 ? bounds[2] : 1
            // The items' count; the distance between two Ints fits a UInt even where their difference overflows an Int.
            let span = step > 0 ? (stop > start ? UInt(bitPattern: stop &- start) : 0) : (start > stop ? UInt(bitPattern: start &- stop) : 0)
            let count = span == 0 ? 0 : (span - 1) / step.magnitude + 1
            try JinjaBudget.list(count > UInt(Int.max) ? .max : Int(count), "range()", line: line)
            return .list(stride(from: start, to: stop, by: step).map(JinjaValue.int))
        case .method(let receiver, let name):
            return try method(receiver, name, args)
        case .undefined(let what):
            throw fail("'\(what)' is undefined, so it cannot be called")
        default:
            throw fail("'\(callee.typeName)' object is not callable")
        }
    }

    static let stringMethods: Set<String> = [
        "strip", "lstrip", "rstrip", "startswith", "endswith", "split", "upper", "lower", "replace", "title",
        "capitalize", "find", "count", "join", "isdigit", "isspace",
    ]
    static let dictMethods: Set<String> = ["items", "keys", "values", "get"]

    private func method(_ receiver: JinjaValue, _ name: String, _ args: [JinjaValue]) throws -> JinjaValue {
        func string(_ k: Int) throws -> String? {
            guard k < args.count else { return nil }
            if case .none = args[k] { return nil }
            guard case .string(let s) = args[k] else { throw fail("\(name)() takes a string, not '\(args[k].typeName)'") }
            return s
        }
        if case .dict(let d) = receiver {
            switch name {
            case "items":
                let pairs = JinjaValue.list(d.keys.map { .list([.string($0), d[$0]]) })
                try JinjaBudget.nesting(pairs, line: line)
                return pairs
            case "keys": return .list(d.keys.map(JinjaValue.string))
            case "values": return .list(d.values)
            default:  // get
                guard case .string(let key)? = args.first else { throw fail("get() takes a string key") }
                return d.contains(key) ? d[key] : args.count > 1 ? args[1] : .none
            }
        }
        guard case .string(let s) = receiver else { throw fail("'\(receiver.typeName)' has no method \(name)") }
        switch name {
        case "strip": return .string(Self.strip(s, try string(0), leading: true, trailing: true))
        case "lstrip": return .string(Self.strip(s, try string(0), leading: true, trailing: false))
        case "rstrip": return .string(Self.strip(s, try string(0), leading: false, trailing: true))
        case "startswith", "endswith":
            let candidates: [JinjaValue] = if case .list(let l)? = args.first { l } else { args.prefix(1).map { $0 } }
            return .bool(try candidates.contains { c in
                guard case .string(let affix) = c else { throw fail("\(name)() takes a string") }
                return name == "startswith" ? s.hasPrefix(affix) : s.hasSuffix(affix)
            })
        case "split":
            var limit = -1
            if args.count > 1, case .int(let n) = args[1] { limit = n }
            return .list(Self.split(s, try string(0), limit: limit).map(JinjaValue.string))
        case "upper": return .string(s.uppercased())
        case "lower": return .string(s.lowercased())
        case "title": return .string(Self.title(s))
        case "capitalize": return .string(Self.capitalize(s))
        case "replace":
            guard let old = try string(0), let new = try string(1) else { throw fail("replace() takes two strings") }
            let count = args.count > 2 ? args[2].number.map { Int($0) } ?? -1 : -1
            try JinjaBudget.string(Self.replacedSize(s, old, new, count: count), "replace()", line: line)
            return .string(Self.replace(s, old, new, count: count))
        case "find":
            guard let needle = try string(0) else { throw fail("find() takes a string") }
            guard let r = s.range(of: needle) else { return .int(-1) }
            return .int(s.unicodeScalars.distance(from: s.startIndex, to: r.lowerBound))
        case "count":
            guard let needle = try string(0), !needle.isEmpty else { throw fail("count() takes a non-empty string") }
            return .int(s.components(separatedBy: needle).count - 1)
        case "join":
            guard let items = args.first else { throw fail("join() takes a list") }
            return .string(try joined(try iterate(items), separator: s))
        case "isdigit": return .bool(!s.isEmpty && s.unicodeScalars.allSatisfy { $0.properties.numericType == .decimal })
        default:  // isspace
            return .bool(!s.isEmpty && s.unicodeScalars.allSatisfy(Self.isPythonSpace))
        }
    }

    // MARK: Filters

    func filter(_ name: String, _ value: JinjaValue, _ args: [JinjaValue], _ kwargs: [(String, JinjaValue)]) throws -> JinjaValue {
        func argument(_ position: Int, _ key: String) -> JinjaValue? {
            kwargs.first { $0.0 == key }?.1 ?? (position < args.count ? args[position] : nil)
        }
        switch name {
        case "trim":
            var chars: String? = nil
            if case .string(let c)? = argument(0, "chars") { chars = c }
            return .string(Self.strip(value.text, chars, leading: true, trailing: true))
        case "length", "count":
            switch value {
            case .undefined: return .int(0)
            case .string(let s): return .int(s.unicodeScalars.count)
            case .list(let l): return .int(l.count)
            case .dict(let d): return .int(d.keys.count)
            default: throw fail("object of type '\(value.typeName)' has no len()")
            }
        case "upper": return .string(value.text.uppercased())
        case "lower": return .string(value.text.lowercased())
        case "capitalize": return .string(Self.capitalize(value.text))
        case "title": return .string(Self.title(value.text))
        case "string", "safe": return .string(try text(value, "the \(name) filter"))
        case "tojson":
            var indent: Int? = nil
            if case .int(let n)? = argument(0, "indent") { indent = n }
            return .string(try JinjaJSON.encode(value, indent: indent, level: 0, renderer: self))
        case "join":
            var separator = ""
            if case .string(let s)? = argument(0, "d") { separator = s }
            var items = try iterate(value)
            if case .string(let key)? = argument(1, "attribute") { items = try items.map { try attribute($0, key) } }
            return .string(try joined(items, separator: separator))
        case "default", "d":
            let fallback = argument(0, "default_value") ?? .string("")
            let boolean = argument(1, "boolean")?.isTrue ?? false
            return !value.isDefined || (boolean && !value.isTrue) ? fallback : value
        case "first", "last":
            let items = try iterate(value)
            return (name == "first" ? items.first : items.last) ?? .undefined("\(name) of an empty sequence")
        case "list": return .list(try iterate(value))
        case "reverse":
            if case .string(let s) = value { return .string(String(s.reversed())) }
            return .list(try iterate(value).reversed())
        case "int":
            switch value {
            case .int, .bool: return .int(Int(value.number!))
            case .double(let d):
                guard let i = Int(exactly: d.rounded(.towardZero)) else { throw fail("int(\(d)) is not a 64-bit integer") }
                return .int(i)
            case .string(let s): return .int(Int(s.trimmingCharacters(in: .whitespaces)) ?? 0)
            default: return .int(0)
            }
        case "float":
            if case .string(let s) = value { return .double(Double(s.trimmingCharacters(in: .whitespaces)) ?? 0) }
            return .double(value.number ?? 0)
        case "abs":
            switch value {
            case .int(let i):
                guard i != .min else { throw fail("abs(\(i)) is too large") }
                return .int(abs(i))
            case .double(let d): return .double(abs(d))
            default: throw fail("bad operand type for abs(): '\(value.typeName)'")
            }
        case "replace":
            guard case .string(let old)? = argument(0, "old"), case .string(let new)? = argument(1, "new") else {
                throw fail("replace takes two strings")
            }
            let s = try text(value, "the replace filter")
            try JinjaBudget.string(Self.replacedSize(s, old, new, count: -1), "the replace filter", line: line)
            return .string(Self.replace(s, old, new, count: -1))
        case "items":
            guard case .dict(let d) = value else { return .list([]) }
            let pairs = JinjaValue.list(d.keys.map { .list([.string($0), d[$0]]) })
            try JinjaBudget.nesting(pairs, line: line)
            return pairs
        case "selectattr", "rejectattr":
            guard case .string(let key)? = args.first else { throw fail("\(name) takes an attribute name") }
            let selecting = name == "selectattr"
            return .list(try iterate(value).filter { item in
                let field = try attribute(item, key)
                let passes: Bool
                if args.count > 1, case .string(let testName) = args[1] {
                    passes = try test(testName, field, Array(args.dropFirst(2)))
                } else {
                    passes = field.isTrue
                }
                return passes == selecting
            })
        case "map":
            if case .string(let key)? = kwargs.first(where: { $0.0 == "attribute" })?.1 {
                return .list(try iterate(value).map { try attribute($0, key) })
            }
            guard case .string(let filterName)? = args.first, JinjaParser.filters.contains(filterName) else {
                throw fail("map takes attribute=NAME or a filter's name")
            }
            return .list(try iterate(value).map { try filter(filterName, $0, Array(args.dropFirst()), []) })
        case "unique":
            var seen: [JinjaValue] = []
            for item in try iterate(value) where !seen.contains(item) { seen.append(item) }
            return .list(seen)
        default:
            throw fail("the filter '\(name)' is not supported")
        }
    }

    // MARK: Tests

    func test(_ name: String, _ value: JinjaValue, _ args: [JinjaValue]) throws -> Bool {
        switch name {
        case "defined": return value.isDefined
        case "undefined": return !value.isDefined
        case "none": if case .none = value { return true } else { return false }
        case "string": if case .string = value { return true } else { return false }
        case "number": if case .int = value { return true }; if case .double = value { return true }; if case .bool = value { return true }; return false
        case "integer": if case .int = value { return true } else { return false }
        case "float": if case .double = value { return true } else { return false }
        case "boolean": if case .bool = value { return true } else { return false }
        case "true": if case .bool(true) = value { return true } else { return false }
        case "false": if case .bool(false) = value { return true } else { return false }
        case "mapping": if case .dict = value { return true } else { return false }
        case "iterable", "sequence":
            switch value {
            case .string, .list, .dict: return true
            default: return false
            }
        case "callable":
            switch value {
            case .function, .method: return true
            default: return false
            }
        case "even", "odd", "divisibleby":
            guard case .int(let i) = value else { throw fail("the test '\(name)' takes an integer") }
            if name == "divisibleby" {
                guard case .int(let d)? = args.first, d != 0 else { throw fail("divisibleby takes a nonzero integer") }
                return i % d == 0
            }
            return (i % 2 == 0) == (name == "even")
        case "eq", "equalto": return value == (args.first ?? .undefined("argument"))
        case "ne": return value != (args.first ?? .undefined("argument"))
        case "in": return try binary(in: value, args.first ?? .undefined("argument"))
        case "lower": return value.text == value.text.lowercased()
        case "upper": return value.text == value.text.uppercased()
        default: throw fail("the test '\(name)' is not supported")
        }
    }

    private func binary(in value: JinjaValue, _ container: JinjaValue) throws -> Bool {
        try evaluate(.binary("in", .literal(value), .literal(container))).isTrue
    }

    // MARK: Python's string functions

    /// Python's `str.isspace` for one character.
    static func isPythonSpace(_ c: Unicode.Scalar) -> Bool {
        c.properties.isWhitespace || (0x1C...0x1F).contains(c.value)
    }

    static func strip(_ s: String, _ chars: String?, leading: Bool, trailing: Bool) -> String {
        let set = chars.map { Set($0.unicodeScalars) }
        let strips = { (c: Unicode.Scalar) in set?.contains(c) ?? isPythonSpace(c) }
        var scalars = Substring(s).unicodeScalars[...]
        if leading { while let c = scalars.first, strips(c) { scalars.removeFirst() } }
        if trailing { while let c = scalars.last, strips(c) { scalars.removeLast() } }
        return String(String.UnicodeScalarView(scalars))
    }

    static func split(_ s: String, _ separator: String?, limit: Int) -> [String] {
        guard let separator, !separator.isEmpty else {
            // No separator: runs of whitespace split, and no empty parts.
            var parts: [String] = []
            var current = String.UnicodeScalarView()
            var scalars = Substring(s).unicodeScalars[...]
            while let c = scalars.first {
                scalars.removeFirst()
                if isPythonSpace(c) {
                    if !current.isEmpty { parts.append(String(current)); current = String.UnicodeScalarView() }
                    if limit >= 0, parts.count == limit {
                        let rest = strip(String(String.UnicodeScalarView(scalars)), nil, leading: true, trailing: true)
                        if !rest.isEmpty { parts.append(rest) }
                        return parts
                    }
                } else {
                    current.append(c)
                }
            }
            if !current.isEmpty { parts.append(String(current)) }
            return parts
        }
        var parts: [String] = []
        var rest = Substring(s)
        while limit < 0 || parts.count < limit, let r = rest.range(of: separator) {
            parts.append(String(rest[..<r.lowerBound]))
            rest = rest[r.upperBound...]
        }
        return parts + [String(rest)]
    }

    /// `items` printed and joined by `separator`, within the character limit.
    func joined(_ items: [JinjaValue], separator: String) throws -> String {
        var size = max(0, items.count - 1) * separator.utf8.count
        for item in items {
            try JinjaBudget.printable(item, "join", line: line)
            if case .string(let s) = item { size += s.utf8.count } else { size += item.printedSize(upTo: JinjaLimits.characters) }
            try JinjaBudget.string(size, "join", exact: false, line: line)
        }
        return items.map(\.text).joined(separator: separator)
    }

    /// The UTF-8 length `replace` would give (Python's: an empty `old` matches
    /// between every two characters and at both ends), without building it.
    static func replacedSize(_ s: String, _ old: String, _ new: String, count: Int) -> Int {
        let found = old.isEmpty ? s.count + 1 : s.components(separatedBy: old).count - 1
        let done = count < 0 ? found : min(found, count)
        let (grown, overflow) = done.multipliedReportingOverflow(by: new.utf8.count)
        return overflow ? .max : s.utf8.count - done * old.utf8.count + grown
    }

    static func replace(_ s: String, _ old: String, _ new: String, count: Int) -> String {
        guard count >= 0 else { return s.replacingOccurrences(of: old, with: new) }
        var out = ""
        var rest = Substring(s)
        var done = 0
        while done < count, !old.isEmpty, let r = rest.range(of: old) {
            out += rest[..<r.lowerBound] + new
            rest = rest[r.upperBound...]
            done += 1
        }
        return out + rest
    }

    static func capitalize(_ s: String) -> String {
        guard let first = s.first else { return s }
        return first.uppercased() + s.dropFirst().lowercased()
    }

    /// Jinja's `title`: each word's first letter upper, the rest lower; words begin after
    /// whitespace, `-`, `(`, `{`, `[` and `<`.
    static func title(_ s: String) -> String {
        var out = ""
        var startsWord = true
        for c in s {
            out += startsWord ? c.uppercased() : c.lowercased()
            startsWord = c.isWhitespace || "-({[<".contains(c)
        }
        return out
    }
}

/// transformers' `tojson` filter: `json.dumps(value, ensure_ascii=False, indent=indent)`.
enum JinjaJSON {
    static func encode(_ value: JinjaValue, indent: Int?, level: Int, renderer: JinjaRenderer) throws -> String {
        func container(_ items: [String], _ open: String, _ close: String) throws -> String {
            guard !items.isEmpty else { return open + close }
            let (width, overflow) = max(0, indent ?? 0).multipliedReportingOverflow(by: level + 1)
            let (padding, more) = (overflow ? Int.max : width + 3).multipliedReportingOverflow(by: items.count)
            try JinjaBudget.string(more ? .max : items.reduce(padding) { $0 + $1.utf8.count }, "tojson", exact: false, line: renderer.line)
            guard let indent else { return open + items.joined(separator: ", ") + close }
            let inner = String(repeating: " ", count: indent * (level + 1))
            let outer = String(repeating: " ", count: indent * level)
            return open + "\n" + items.map { inner + $0 }.joined(separator: ",\n") + "\n" + outer + close
        }
        switch value {
        case .none: return "null"
        case .bool(let b): return b ? "true" : "false"
        case .int(let i): return String(i)
        case .double(let d):
            if d.isNaN { return "NaN" }
            if d.isInfinite { return d > 0 ? "Infinity" : "-Infinity" }
            return JinjaValue.pythonFloat(d)
        case .string(let s): return jsonQuoted(s)
        case .list(let items):
            return try container(try items.map { try encode($0, indent: indent, level: level + 1, renderer: renderer) }, "[", "]")
        case .dict(let d):
            return try container(try d.keys.map { jsonQuoted($0) + ": " + (try encode(d[$0], indent: indent, level: level + 1, renderer: renderer)) }, "{", "}")
        default:
            throw renderer.fail("Object of type \(value.typeName) is not JSON serializable")
        }
    }
}
