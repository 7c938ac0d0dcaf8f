/// Cuts a template into text and tags, and a tag into tokens.
///
/// Whitespace follows the environment Hugging Face renders chat templates in
/// (transformers' `chat_template_utils`): `trim_blocks` (the newline after a `%}` or
/// `#}` goes), `lstrip_blocks` (spaces and tabs before a `{%` or `{#` on its own line
/// go), `-` on either side of a tag strips all whitespace on that side, and one
/// trailing newline of the template is dropped (Jinja's `keep_trailing_newline=False`).
enum JinjaLexer {
    enum Segment: Equatable {
        case text(String)
        case output(String, line: Int)
        case statement(String, line: Int)
    }

    static func segments(_ source: String) throws -> [Segment] {
        var bytes = Array(source.utf8)
        if bytes.last == UInt8(ascii: "\n") {
            bytes.removeLast()
            if bytes.last == UInt8(ascii: "\r") { bytes.removeLast() }
        }
        let n = bytes.count
        var segments: [Segment] = []
        var i = 0
        var line = 1
        var text: [UInt8] = []
        // Whether the text since the last tag starts a line (Jinja's `line_starting`).
        var lineStarting = true
        func flushText() {
            if !text.isEmpty { segments.append(.text(String(decoding: text, as: UTF8.self))) }
            text = []
        }
        while i < n {
            let opens = bytes[i] == UInt8(ascii: "{") && i + 1 < n
                && [UInt8(ascii: "{"), UInt8(ascii: "%"), UInt8(ascii: "#")].contains(bytes[i + 1])
            guard opens else {
                if bytes[i] == UInt8(ascii: "\n") { line += 1 }
                text.append(bytes[i])
                i += 1
                continue
            }
            let kind = bytes[i + 1]
            let tagLine = line
            var start = i + 2
            let isBlock = kind != UInt8(ascii: "{")
            if start < n, bytes[start] == UInt8(ascii: "-") {
                while let last = text.last, isSpace(last) { text.removeLast() }
                start += 1
            } else if start < n, bytes[start] == UInt8(ascii: "+") {
                start += 1
            } else if isBlock {
                // lstrip_blocks: drop the spaces and tabs that open this tag's line.
                var k = text.count
                while k > 0, isSpace(text[k - 1]), text[k - 1] != UInt8(ascii: "\n") { k -= 1 }
                let atLineStart = k == 0 ? lineStarting : text[k - 1] == UInt8(ascii: "\n")
                if atLineStart { text.removeSubrange(k...) }
            }
            let closer: UInt8 = kind == UInt8(ascii: "{") ? UInt8(ascii: "}") : kind
            guard let end = findClose(bytes, from: start, closer: closer) else {
                throw JinjaError("a tag opened here is never closed", line: tagLine)
            }
            var innerEnd = end
            let stripsAfter = innerEnd > start && bytes[innerEnd - 1] == UInt8(ascii: "-")
            if stripsAfter { innerEnd -= 1 }
            let inner = String(decoding: bytes[start..<innerEnd], as: UTF8.self)
            line += bytes[i..<end + 2].reduce(0) { $0 + ($1 == UInt8(ascii: "\n") ? 1 : 0) }
            flushText()
            switch kind {
            case UInt8(ascii: "{"): segments.append(.output(inner, line: tagLine))
            case UInt8(ascii: "%"): segments.append(.statement(inner, line: tagLine))
            default: break  // a comment
            }
            i = end + 2
            lineStarting = false
            if stripsAfter {
                while i < n, isSpace(bytes[i]) {
                    lineStarting = bytes[i] == UInt8(ascii: "\n")
                    if lineStarting { line += 1 }
                    i += 1
                }
            } else if isBlock {
                // trim_blocks: the first newline after a block or comment tag goes.
                if i < n, bytes[i] == UInt8(ascii: "\n") {
                    i += 1; line += 1; lineStarting = true
                } else if i + 1 < n, bytes[i] == UInt8(ascii: "\r"), bytes[i + 1] == UInt8(ascii: "\n") {
                    i += 2; line += 1; lineStarting = true
                }
            }
        }
        flushText()
        return segments
    }

    /// The index of the `closer` + `}` that ends a tag, skipping quoted strings and
    /// brackets (`{{ {'a': {'b': 1}} }}` ends at the last `}}`).
    private static func findClose(_ bytes: [UInt8], from start: Int, closer: UInt8) -> Int? {
        var j = start
        var quote: UInt8? = nil
        var depth = 0
        let isComment = closer == UInt8(ascii: "#")
        while j + 1 < bytes.count {
            let b = bytes[j]
            if let q = quote {
                if b == UInt8(ascii: "\\") { j += 2; continue }
                if b == q { quote = nil }
            } else if !isComment && (b == UInt8(ascii: "'") || b == UInt8(ascii: "\"")) {
                quote = b
            } else if depth == 0 && b == closer && bytes[j + 1] == UInt8(ascii: "}") {
                return j
            } else if !isComment && (b == UInt8(ascii: "{") || b == UInt8(ascii: "[") || b == UInt8(ascii: "(")) {
                depth += 1
            } else if !isComment && depth > 0 && (b == UInt8(ascii: "}") || b == UInt8(ascii: "]") || b == UInt8(ascii: ")")) {
                depth -= 1
            }
            j += 1
        }
        return nil
    }

    static func isSpace(_ b: UInt8) -> Bool {
        b == UInt8(ascii: " ") || b == UInt8(ascii: "\n") || b == UInt8(ascii: "\t") || b == UInt8(ascii: "\r")
    }

    // MARK: Tokens inside a tag

    enum Token: Equatable {
        case name(String)
        case string(String)
        case int(Int)
        case double(Double)
        /// An operator or punctuation: `+ - * / // % ** ~ == != < > <= >= = ( ) [ ] { } . , : |`.
        case op(String)
    }

    static func tokens(_ source: String, line: Int) throws -> [Token] {
        let s = Array(source.unicodeScalars)
        var tokens: [Token] = []
        var i = 0
        while i < s.count {
            let c = s[i]
            if c == " " || c == "\n" || c == "\t" || c == "\r" { i += 1; continue }
            if c == "_" || c.properties.isAlphabetic {
                var j = i
                while j < s.count, s[j] == "_" || s[j].properties.isAlphabetic || ("0"..."9").contains(s[j]) { j += 1 }
                tokens.append(.name(String(String.UnicodeScalarView(s[i..<j]))))
                i = j
            } else if ("0"..."9").contains(c) {
                var j = i
                while j < s.count, ("0"..."9").contains(s[j]) || s[j] == "_" { j += 1 }
                var isFloat = false
                if j + 1 < s.count, s[j] == ".", ("0"..."9").contains(s[j + 1]) {
                    isFloat = true
                    j += 1
                    while j < s.count, ("0"..."9").contains(s[j]) { j += 1 }
                }
                // An exponent: 1e3, 2.5E-4.
                var k = j + 1
                if j < s.count, s[j] == "e" || s[j] == "E" {
                    if k < s.count, s[k] == "+" || s[k] == "-" { k += 1 }
                    if k < s.count, ("0"..."9").contains(s[k]) {
                        isFloat = true
                        j = k
                        while j < s.count, ("0"..."9").contains(s[j]) { j += 1 }
                    }
                }
                let literal = String(String.UnicodeScalarView(s[i..<j])).replacingOccurrences(of: "_", with: "")
                if isFloat { tokens.append(.double(Double(literal)!)) } else {
                    guard let value = Int(literal) else { throw JinjaError("the number \(literal) is too large", line: line) }
                    tokens.append(.int(value))
                }
                i = j
            } else if c == "'" || c == "\"" {
                var j = i + 1
                var value = String.UnicodeScalarView()
                while j < s.count, s[j] != c {
                    if s[j] == "\\", j + 1 < s.count {
                        j += 1
                        switch s[j] {
                        case "n": value.append("\n")
                        case "t": value.append("\t")
                        case "r": value.append("\r")
                        case "\\", "'", "\"": value.append(s[j])
                        default: value.append("\\"); value.append(s[j])
                        }
                    } else {
                        value.append(s[j])
                    }
                    j += 1
                }
                guard j < s.count else { throw JinjaError("a string is never closed", line: line) }
                tokens.append(.string(String(value)))
                i = j + 1
            } else {
                let two = i + 1 < s.count ? String(String.UnicodeScalarView([c, s[i + 1]])) : ""
                if ["//", "**", "==", "!=", "<=", ">="].contains(two) {
                    tokens.append(.op(two))
                    i += 2
                } else if "+-*/%~<>=()[]{}.,:|".unicodeScalars.contains(c) {
                    tokens.append(.op(String(c)))
                    i += 1
                } else {
                    throw JinjaError("unexpected character '\(c)'", line: line)
                }
            }
        }
        return tokens
    }
}

/// A chat template that cannot be read or rendered: what and on which line of the template.
public struct JinjaError: Error, Equatable, CustomStringConvertible {
    public let message: String
    public let line: Int
    /// Whether the template itself raised it (`raise_exception`), refusing the conversation.
    public let raised: Bool

    init(_ message: String, line: Int, raised: Bool = false) {
        self.message = message
        self.line = line
        self.raised = raised
    }

    public var description: String {
        raised ? "the chat template refuses: \(message)" : "chat template line \(line): \(message)"
    }
}
