/// A value inside a chat template: the data model of the Jinja subset that
/// Hugging Face chat templates use, with Python's semantics (Jinja runs on Python).
public indirect enum JinjaValue: Sendable {
    /// A name that is not defined (its text, for error messages); renders as "".
    case undefined(String)
    /// Python's `None`.
    case none
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)
    case list([JinjaValue])
    /// A dict, keys in insertion order (JSON objects keep their file order).
    case dict(JinjaDict)
    /// `namespace(...)`: the one mutable object, shared by reference.
    case namespace(JinjaNamespace)
    /// A global function (`raise_exception`, `namespace`, `range`).
    case function(String)
    /// A method looked up on a value (`text.strip`), waiting for its call.
    case method(JinjaValue, String)

    /// Python's truth value.
    var isTrue: Bool {
        switch self {
        case .undefined, .none: false
        case .bool(let b): b
        case .int(let i): i != 0
        case .double(let d): d != 0
        case .string(let s): !s.isEmpty
        case .list(let l): !l.isEmpty
        case .dict(let d): !d.keys.isEmpty
        case .namespace, .function, .method: true
        }
    }

    /// The integer of an `.int` (0 otherwise).
    var intValue: Int {
        if case .int(let i) = self { i } else { 0 }
    }

    var isDefined: Bool {
        if case .undefined = self { false } else { true }
    }

    /// The type name Python would print in a TypeError.
    var typeName: String {
        switch self {
        case .undefined: "undefined"
        case .none: "NoneType"
        case .bool: "bool"
        case .int: "int"
        case .double: "float"
        case .string: "str"
        case .list: "list"
        case .dict: "dict"
        case .namespace: "Namespace"
        case .function, .method: "function"
        }
    }

    /// `str(value)` in Python, which is what `{{ value }}` prints.
    var text: String {
        switch self {
        case .undefined: ""
        case .string(let s): s
        default: repr
        }
    }

    /// `repr(value)` in Python (how lists and dicts print their items).
    var repr: String {
        switch self {
        case .undefined: ""
        case .none: "None"
        case .bool(let b): b ? "True" : "False"
        case .int(let i): String(i)
        case .double(let d): JinjaValue.pythonFloat(d)
        case .string(let s): JinjaValue.pythonQuoted(s)
        case .list(let l): "[" + l.map(\.repr).joined(separator: ", ") + "]"
        case .dict(let d): "{" + d.keys.map { "\(JinjaValue.pythonQuoted($0)): \(d[$0].repr)" }.joined(separator: ", ") + "}"
        case .namespace: "<Namespace>"
        case .function(let name), .method(_, let name): "<function \(name)>"
        }
    }

    /// Python's `repr` of a float: the shortest text that reads back, `.0` on whole
    /// values, exponents from 1e16 and below 1e-4 (Swift's `description` agrees).
    static func pythonFloat(_ d: Double) -> String {
        if d.isNaN { return "nan" }
        if d.isInfinite { return d > 0 ? "inf" : "-inf" }
        return "\(d)"
    }

    /// Python's `repr` of a string: single quotes unless the text has one and no double quote.
    static func pythonQuoted(_ s: String) -> String {
        let quote: Character = s.contains("'") && !s.contains("\"") ? "\"" : "'"
        var out = String(quote)
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if Character(scalar) == quote { out += "\\" + String(quote) }
                else if scalar.value < 0x20 || scalar.value == 0x7F { out += String(format: "\\x%02x", scalar.value) }
                else { out.unicodeScalars.append(scalar) }
            }
        }
        return out + String(quote)
    }
}

/// A dict whose keys keep their insertion order, as Python's do.
public struct JinjaDict: Sendable {
    public private(set) var keys: [String] = []
    private var storage: [String: JinjaValue] = [:]

    public init(_ pairs: [(String, JinjaValue)] = []) {
        for (key, value) in pairs { self[key] = value }
    }

    /// The value of `key`, or undefined.
    public subscript(key: String) -> JinjaValue {
        get { storage[key] ?? .undefined(key) }
        set {
            if storage.updateValue(newValue, forKey: key) == nil { keys.append(key) }
        }
    }

    func contains(_ key: String) -> Bool { storage[key] != nil }
    var values: [JinjaValue] { keys.map { storage[$0]! } }
}

/// The object `namespace()` makes: attributes that a loop body can set and the code
/// after the loop still sees.
public final class JinjaNamespace: @unchecked Sendable {
    var attributes: JinjaDict
    init(_ attributes: JinjaDict) { self.attributes = attributes }
}

extension JinjaValue: Equatable {
    /// Python's `==`: numbers compare by value across int, float and bool.
    public static func == (a: JinjaValue, b: JinjaValue) -> Bool {
        if let x = a.number, let y = b.number { return x == y }
        switch (a, b) {
        case (.undefined, .undefined), (.none, .none): return true
        case (.string(let x), .string(let y)): return x == y
        case (.list(let x), .list(let y)): return x == y
        case (.dict(let x), .dict(let y)):
            return Set(x.keys) == Set(y.keys) && x.keys.allSatisfy { x[$0] == y[$0] }
        case (.namespace(let x), .namespace(let y)): return x === y
        case (.function(let x), .function(let y)): return x == y
        default: return false
        }
    }

    /// The value as a number, for arithmetic and comparison (booleans count as 0 and 1).
    var number: Double? {
        switch self {
        case .bool(let b): b ? 1 : 0
        case .int(let i): Double(i)
        case .double(let d): d
        default: nil
        }
    }
}

extension JinjaValue {
    /// A JSON value as the template sees it (objects keep their member order).
    init(json: HeaderJSON) {
        switch json {
        case .object(let members): self = .dict(JinjaDict(members.map { ($0.key, JinjaValue(json: $0.value)) }))
        case .array(let items): self = .list(items.map(JinjaValue.init(json:)))
        case .string(let s): self = .string(s)
        case .number(let literal): self = Int(literal).map(JinjaValue.int) ?? .double(Double(literal) ?? .nan)
        case .bool(let b): self = .bool(b)
        case .null: self = .none
        }
    }
}
