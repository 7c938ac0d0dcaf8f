/// Splits one logical command line into tokens: bare words, "double-quoted
/// strings" (escapes \" \\ \n \t \$), 'single-quoted raw strings', key=value
/// options (the value may be quoted), `#` comments, and `$name` variables
/// (replaced in bare words and double-quoted strings, never in single quotes).
public struct Lexer {
    /// The value of a variable, or nil when it is not set.
    public var lookup: (String) -> String?

    /// A lexer resolving variables through `lookup`.
    public init(lookup: @escaping (String) -> String? = { _ in nil }) {
        self.lookup = lookup
    }

    /// The tokens of `line`, or an error pointing at the bad character.
    public func tokens(_ line: String) throws(ShellError) -> [Token] {
        let chars = Array(line)
        var tokens: [Token] = []
        var i = 0
        while i < chars.count {
            let c = chars[i]
            if c == " " || c == "\t" || c == "\r" { i += 1; continue }
            if c == "#" { break }
            let start = i
            var text = ""
            var quoted = false
            var key: String?
            // A word runs to the next unquoted blank; quotes may open anywhere in it.
            while i < chars.count, chars[i] != " ", chars[i] != "\t", chars[i] != "\r" {
                let ch = chars[i]
                if ch == "\"" {
                    quoted = true
                    i = try doubleQuoted(chars, from: i, into: &text)
                } else if ch == "'" {
                    quoted = true
                    guard let close = chars[(i + 1)...].firstIndex(of: "'") else {
                        throw ShellError("unterminated 'string': add the closing '", at: i..<(i + 1))
                    }
                    text += String(chars[(i + 1)..<close])
                    i = close + 1
                } else if ch == "$" {
                    i = try variable(chars, from: i, into: &text)
                } else if ch == "=" && key == nil && !quoted && !text.isEmpty && isKey(text) {
                    key = text
                    text = ""
                    i += 1
                } else if ch == "#" && text.isEmpty && !quoted {
                    break
                } else {
                    text.append(ch)
                    i += 1
                }
            }
            let kind: Token.Kind = key.map { .option(key: $0) } ?? (quoted ? .string : .word)
            tokens.append(Token(kind, text, columns: start..<i))
        }
        return tokens
    }

    private func isKey(_ s: String) -> Bool {
        guard let first = s.first, first.isLetter else { return false }
        return s.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" || $0 == "." }
    }

    /// Reads "..." starting at `start`; returns the index after the closing quote.
    private func doubleQuoted(_ chars: [Character], from start: Int, into text: inout String) throws(ShellError) -> Int {
        var i = start + 1
        while i < chars.count {
            let ch = chars[i]
            if ch == "\"" { return i + 1 }
            if ch == "\\" {
                guard i + 1 < chars.count else { break }
                switch chars[i + 1] {
                case "n": text.append("\n")
                case "t": text.append("\t")
                case "\"", "\\", "$": text.append(chars[i + 1])
                default:
                    throw ShellError("unknown escape \\\(chars[i + 1]): use \\\" \\\\ \\n \\t or \\$", at: i..<(i + 2))
                }
                i += 2
            } else if ch == "$" {
                i = try variable(chars, from: i, into: &text)
            } else {
                text.append(ch)
                i += 1
            }
        }
        throw ShellError("unterminated \"string\": add the closing \"", at: start..<(start + 1))
    }

    /// Reads `$name` or `${name}` at `start`, appending its value.
    private func variable(_ chars: [Character], from start: Int, into text: inout String) throws(ShellError) -> Int {
        var i = start + 1
        let braced = i < chars.count && chars[i] == "{"
        if braced { i += 1 }
        let nameStart = i
        while i < chars.count, chars[i].isLetter || chars[i].isNumber || chars[i] == "_" || chars[i] == "." { i += 1 }
        let name = String(chars[nameStart..<i])
        if braced {
            guard i < chars.count, chars[i] == "}" else {
                throw ShellError("unterminated ${name}: add the closing }", at: start..<i)
            }
            i += 1
        }
        guard !name.isEmpty else {
            throw ShellError("$ must be followed by a variable name (write \\$ for a dollar sign)", at: start..<(start + 1))
        }
        guard let value = lookup(name) else {
            throw ShellError("no variable $\(name)", at: start..<i, hint: "set \(name) VALUE")
        }
        guard text.utf8.count + value.utf8.count <= Session.expandedWordLimit else {
            throw ShellError("$\(name) makes this word longer than \(Session.expandedWordLimit) bytes", at: start..<i)
        }
        text += value
        return i
    }
}
