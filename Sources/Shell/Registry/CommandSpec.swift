/// What a parameter accepts. Values are checked before a handler runs.
public enum ValueKind: Sendable, Equatable {
    /// A whole number, optionally within a range.
    case integer(ClosedRange<Int>? = nil)
    /// A decimal number, optionally within a range.
    case float(ClosedRange<Double>? = nil)
    /// true/false (also on/off, yes/no, 1/0).
    case bool
    /// The name of an object in the session, or of one to create.
    case name
    /// A model's name, or a Hugging Face hub id ORG/NAME (`load model`).
    case modelName
    /// A file or directory path.
    case path
    /// Any text.
    case string
    /// One of a fixed set of words.
    case choice([String])
    /// A fixed word of the grammar, such as `on` in `pretrain MODEL on DATA`.
    case literal(String)
    /// A finite number, or a name (of a value, say), as `expect`'s right-hand side.
    case numberOrName

    /// How the kind reads in help: `integer`, `name`, `one of: a, b`.
    public var description: String {
        switch self {
        case let .integer(range): return range.map { "integer \($0.lowerBound)..\($0.upperBound)" } ?? "integer"
        case let .float(range): return range.map { "number \(format($0.lowerBound))..\(format($0.upperBound))" } ?? "number"
        case .bool: return "true or false"
        case .name: return "name"
        case .modelName: return "name or ORG/NAME"
        case .path: return "path"
        case .string: return "text"
        case let .choice(words): return "one of: " + words.joined(separator: ", ")
        case let .literal(word): return "the word \(word)"
        case .numberOrName: return "number or name"
        }
    }
}

/// A positional argument or a key=value option of a command.
public struct Parameter: Sendable, Equatable {
    /// The name: upper case for positional arguments (MODEL), lower for options (steps).
    public var name: String
    /// What it accepts.
    public var kind: ValueKind
    /// One line of help.
    public var summary: String
    /// False for optional positional arguments; options are always optional.
    public var required: Bool
    /// The value used when an option is not given, as typed ("0.8"); nil for none.
    public var defaultValue: String?
    /// The method whose settings table made this option (`ppo` for `clip`), so
    /// that `set ppo.clip 0.1` finds it: a table's options register themselves
    /// by appearing in a command's spec. Nil for an option of one command alone.
    public var method: String? = nil

    /// True for an argument named like `TEXT...`, which takes every remaining word.
    public var takesRest: Bool { name.hasSuffix("...") }

    /// A positional argument.
    public static func argument(_ name: String, _ kind: ValueKind, _ summary: String, required: Bool = true) -> Parameter {
        Parameter(name: name, kind: kind, summary: summary, required: required, defaultValue: nil)
    }

    /// A fixed word of the grammar.
    public static func keyword(_ word: String) -> Parameter {
        Parameter(name: word, kind: .literal(word), summary: "", required: true, defaultValue: nil)
    }

    /// A key=value option with its default.
    public static func option(_ name: String, _ kind: ValueKind, _ summary: String, default value: String? = nil) -> Parameter {
        Parameter(name: name, kind: kind, summary: summary, required: false, defaultValue: value)
    }
}

/// A command: its grammar, its help, and its handler, kept together in the
/// command's own file. `help`, completion and hints are generated from it.
public struct CommandSpec: Sendable {
    /// The command's words: ["load", "model"].
    public var words: [String]
    /// Positional arguments and fixed words, in order.
    public var arguments: [Parameter]
    /// key=value options.
    public var options: [Parameter]
    /// What any other key=value stands for, when the keys are the user's own
    /// names (`reward total sum correct=0.8 format=0.2`); nil: only `options`.
    public var namedOptions: Parameter?
    /// One line for the command list.
    public var summary: String
    /// Paragraphs of detailed help.
    public var help: String
    /// Why the method does what it does, where its paper says so (a help page's last paragraph).
    public var why: String
    /// Example lines.
    public var examples: [String]
    /// The handler.
    public var run: @Sendable (Invocation, CommandContext) throws -> CommandOutput

    /// A command.
    public init(
        _ words: String, arguments: [Parameter] = [], options: [Parameter] = [], namedOptions: Parameter? = nil,
        summary: String, help: String, why: String = "", examples: [String],
        run: @escaping @Sendable (Invocation, CommandContext) throws -> CommandOutput
    ) {
        self.words = words.split(separator: " ").map(String.init)
        self.arguments = arguments
        self.options = options
        self.namedOptions = namedOptions
        self.summary = summary
        self.help = help
        self.why = why
        self.examples = examples
        self.run = run
    }

    /// The command's name: "load model".
    public var name: String { words.joined(separator: " ") }

    /// The usage line: `generate MODEL "PROMPT" [n=…] …`.
    public var usage: String {
        var parts = [name]
        for a in arguments {
            if a.takesRest { parts.append(a.required ? a.name : "[\(a.name)]"); continue }
            switch a.kind {
            case let .literal(word): parts.append(word)
            case .string: parts.append(a.required ? "\"\(a.name)\"" : "[\"\(a.name)\"]")
            default: parts.append(a.required ? a.name : "[\(a.name)]")
            }
        }
        if !options.isEmpty { parts.append("[key=value ...]") }
        return parts.joined(separator: " ")
    }
}

/// What a handler returns.
public struct CommandOutput: Sendable, Equatable {
    /// Text to print (may be empty).
    public var text: String
    /// True when the session should end (`quit`).
    public var quits: Bool

    /// Output that continues the session.
    public init(_ text: String = "", quits: Bool = false) {
        self.text = text
        self.quits = quits
    }
}

/// Formats a number for help and tables without a trailing ".0".
func format(_ x: Double) -> String {
    x == x.rounded() && abs(x) < 1e15 ? String(Int(x)) : String(x)
}
