/// A user error in a command line: what is wrong, where (a column span to put
/// a caret under), and how to get help.
public struct ShellError: Error, Equatable, Sendable {
    /// What is wrong, in one line.
    public var message: String
    /// The columns of the offending word, or nil when the whole line is at fault.
    public var columns: Range<Int>?
    /// What to try, such as "help generate".
    public var hint: String?

    /// An error.
    public init(_ message: String, at columns: Range<Int>? = nil, hint: String? = nil) {
        self.message = message
        self.columns = columns
        self.hint = hint
    }

    /// The error as the shell prints it: the line, a caret under the word, the
    /// message, the hint. `origin` ("file.rlhf:12") prefixes each line in scripts.
    /// At a terminal (`typedAfter` = the prompt) the line is already on screen
    /// just above, so only the caret is drawn, under it.
    public func render(line: String, origin: String?, typedAfter prompt: String? = nil) -> String {
        var prefix = origin.map { "\($0): " } ?? ""
        var out = ""
        if let prompt, let columns {
            prefix = String(repeating: " ", count: prompt.count)
            out += prefix + String(repeating: " ", count: columns.lowerBound) + "^ " + message + "\n"
            if let hint { out += "try: " + hint + "\n" }
            return out
        }
        if let columns {
            out += prefix + line + "\n"
            out += prefix + String(repeating: " ", count: columns.lowerBound) + "^ " + message + "\n"
        } else {
            out += prefix + message + "\n"
        }
        if let hint { out += "try: " + hint + "\n" }
        return out
    }
}
