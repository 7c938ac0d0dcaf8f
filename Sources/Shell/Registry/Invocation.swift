/// A parsed command line: the command, its typed arguments and options, and
/// where each came from in the line (for errors raised by the handler).
public struct Invocation: Sendable {
    /// The command's words as typed.
    public var spec: CommandSpec
    /// The line as typed (after continuation lines are joined).
    public var line: String
    /// Positional arguments by name (fixed words are not stored).
    public var arguments: [String: String] = [:]
    /// Options given or defaulted, by name, as text (already checked against their kind).
    public var options: [String: String] = [:]
    /// Options the user typed (the rest are defaults).
    public var given: Set<String> = []
    /// The columns of each argument or option in the line.
    public var columns: [String: Range<Int>] = [:]
    /// The columns of the command's words.
    public var commandColumns: Range<Int> = 0..<0

    /// An error about the argument or option `name`, with a caret under it.
    public func error(_ message: String, at name: String? = nil) -> ShellError {
        ShellError(message, at: name.flatMap { columns[$0] } ?? commandColumns, hint: "help \(spec.name)")
    }

    /// A positional argument that the grammar requires.
    public func argument(_ name: String) -> String {
        guard let value = arguments[name] else { preconditionFailure("\(spec.name): no argument \(name) in its spec") }
        return value
    }

    /// An integer option (checked by the parser).
    public func integer(_ name: String) -> Int { Int(option(name))! }
    /// A float option (checked by the parser).
    public func float(_ name: String) -> Double { Double(option(name))! }
    /// A bool option (checked by the parser).
    public func bool(_ name: String) -> Bool { parseBool(option(name))! }
    /// An option's text, given or defaulted.
    public func option(_ name: String) -> String {
        guard let value = options[name] else { preconditionFailure("\(spec.name): option \(name) has no value or default") }
        return value
    }
    /// An option's text when it was given or has a default.
    public func optional(_ name: String) -> String? { options[name] }
}

/// true/false, on/off, yes/no, 1/0.
func parseBool(_ s: String) -> Bool? {
    switch s.lowercased() {
    case "true", "on", "yes", "1": return true
    case "false", "off", "no", "0": return false
    default: return nil
    }
}
