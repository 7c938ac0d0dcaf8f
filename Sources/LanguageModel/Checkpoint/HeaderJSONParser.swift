/// Why header bytes were refused: where (byte offset into the header) and what.
struct HeaderJSONSyntaxError: Error, Equatable {
    /// Offset into the header bytes.
    let offset: Int
    /// What was expected or found.
    let message: String
    /// Valid JSON, but safetensors forbids duplicate keys (README, "Format", notes).
    var isDuplicateKey = false
}

/// A strict RFC 8259 parser for safetensors headers.
///
/// Written for this format rather than using `JSONSerialization`, which reads
/// `true` and `2.0` as the integer 1 and 2, keeps the last of duplicate keys
/// silently, and bridges numbers differently on Linux and macOS. Every index is
/// bounds-checked explicitly because the library is built with `-Ounchecked`.
struct HeaderJSONParser {
    /// Deeper nesting than this is refused (a header needs depth 3).
    static let maximumDepth = 64

    private let bytes: [UInt8]
    private var position = 0
    private var depth = 0

    /// Parses `bytes` as exactly one JSON value, surrounded by optional whitespace.
    static func parse(_ bytes: [UInt8]) throws(HeaderJSONSyntaxError) -> HeaderJSON {
        var parser = HeaderJSONParser(bytes: bytes)
        parser.skipWhitespace()
        let value = try parser.parseValue()
        parser.skipWhitespace()
        guard parser.position == bytes.count else {
            throw parser.failure("unexpected text after the end of the JSON value")
        }
        return value
    }

    private init(bytes: [UInt8]) { self.bytes = bytes }

    private var current: UInt8? { position < bytes.count ? bytes[position] : nil }

    private func failure(_ message: String) -> HeaderJSONSyntaxError {
        HeaderJSONSyntaxError(offset: position, message: message)
    }

    private mutating func skipWhitespace() {
        while let byte = current, byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 {
            position += 1
        }
    }

    private mutating func expect(_ byte: UInt8, _ what: String) throws(HeaderJSONSyntaxError) {
        guard current == byte else { throw failure("expected \(what)") }
        position += 1
    }

    private mutating func parseValue() throws(HeaderJSONSyntaxError) -> HeaderJSON {
        switch current {
        case UInt8(ascii: "{"): return try parseObject()
        case UInt8(ascii: "["): return try parseArray()
        case UInt8(ascii: "\""): return .string(try parseString())
        case let byte? where byte == UInt8(ascii: "-") || (0x30...0x39).contains(byte):
            return .number(try parseNumber())
        case UInt8(ascii: "t"): try parseLiteral("true"); return .bool(true)
        case UInt8(ascii: "f"): try parseLiteral("false"); return .bool(false)
        case UInt8(ascii: "n"): try parseLiteral("null"); return .null
        case nil: throw failure("unexpected end of header, expected a value")
        default: throw failure("expected a value")
        }
    }

    private mutating func parseLiteral(_ word: String) throws(HeaderJSONSyntaxError) {
        for byte in word.utf8 { try expect(byte, "'\(word)'") }
    }

    private mutating func enterContainer() throws(HeaderJSONSyntaxError) {
        depth += 1
        guard depth <= Self.maximumDepth else {
            throw failure("nested more than \(Self.maximumDepth) levels deep")
        }
        position += 1
        skipWhitespace()
    }

    private mutating func parseObject() throws(HeaderJSONSyntaxError) -> HeaderJSON {
        try enterContainer()
        defer { depth -= 1 }
        var members: [(key: String, value: HeaderJSON)] = []
        var seen = Set<String>()
        if current == UInt8(ascii: "}") { position += 1; return .object(members) }
        while true {
            guard current == UInt8(ascii: "\"") else { throw failure("expected a string key") }
            let keyOffset = position
            let key = try parseString()
            guard seen.insert(key).inserted else {
                throw HeaderJSONSyntaxError(
                    offset: keyOffset, message: "duplicate key \(jsonQuoted(key))", isDuplicateKey: true)
            }
            skipWhitespace()
            try expect(UInt8(ascii: ":"), "':' after an object key")
            skipWhitespace()
            members.append((key, try parseValue()))
            skipWhitespace()
            if current == UInt8(ascii: ",") { position += 1; skipWhitespace(); continue }
            try expect(UInt8(ascii: "}"), "',' or '}' in an object")
            return .object(members)
        }
    }

    private mutating func parseArray() throws(HeaderJSONSyntaxError) -> HeaderJSON {
        try enterContainer()
        defer { depth -= 1 }
        var elements: [HeaderJSON] = []
        if current == UInt8(ascii: "]") { position += 1; return .array(elements) }
        while true {
            elements.append(try parseValue())
            skipWhitespace()
            if current == UInt8(ascii: ",") { position += 1; skipWhitespace(); continue }
            try expect(UInt8(ascii: "]"), "',' or ']' in an array")
            return .array(elements)
        }
    }

    /// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`, returned as written.
    private mutating func parseNumber() throws(HeaderJSONSyntaxError) -> String {
        let start = position
        if current == UInt8(ascii: "-") { position += 1 }
        if current == UInt8(ascii: "0") {
            position += 1
        } else {
            try digits()
        }
        if current == UInt8(ascii: ".") { position += 1; try digits() }
        if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
            position += 1
            if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { position += 1 }
            try digits()
        }
        return String(decoding: bytes[start..<position], as: UTF8.self)
    }

    private mutating func digits() throws(HeaderJSONSyntaxError) {
        guard let first = current, (0x30...0x39).contains(first) else { throw failure("expected a digit") }
        while let byte = current, (0x30...0x39).contains(byte) { position += 1 }
    }

    /// A string starting at the opening quote; the input is already known to be UTF-8.
    private mutating func parseString() throws(HeaderJSONSyntaxError) -> String {
        position += 1
        var utf8: [UInt8] = []
        while true {
            guard let byte = current else { throw failure("unterminated string") }
            switch byte {
            case UInt8(ascii: "\""):
                position += 1
                return String(decoding: utf8, as: UTF8.self)
            case UInt8(ascii: "\\"):
                position += 1
                try parseEscape(into: &utf8)
            case 0..<0x20:
                throw failure("control character in a string (write it as an escape)")
            default:
                utf8.append(byte)
                position += 1
            }
        }
    }

    private mutating func parseEscape(into utf8: inout [UInt8]) throws(HeaderJSONSyntaxError) {
        guard let byte = current else { throw failure("unterminated escape") }
        position += 1
        switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): utf8.append(byte); return
        case UInt8(ascii: "b"): utf8.append(0x08); return
        case UInt8(ascii: "f"): utf8.append(0x0C); return
        case UInt8(ascii: "n"): utf8.append(0x0A); return
        case UInt8(ascii: "r"): utf8.append(0x0D); return
        case UInt8(ascii: "t"): utf8.append(0x09); return
        case UInt8(ascii: "u"): break
        default: throw failure("invalid escape sequence")
        }
        var codePoint = try hexQuad()
        if (0xD800...0xDBFF).contains(codePoint) {
            // A high surrogate must be followed by an escaped low surrogate (RFC 8259, section 7).
            guard current == UInt8(ascii: "\\") else { throw failure("unpaired surrogate in \\u escape") }
            position += 1
            try expect(UInt8(ascii: "u"), "a low surrogate \\u escape")
            let low = try hexQuad()
            guard (0xDC00...0xDFFF).contains(low) else { throw failure("unpaired surrogate in \\u escape") }
            codePoint = 0x10000 + ((codePoint - 0xD800) << 10) + (low - 0xDC00)
        } else if (0xDC00...0xDFFF).contains(codePoint) {
            throw failure("unpaired surrogate in \\u escape")
        }
        guard let scalar = Unicode.Scalar(codePoint) else { throw failure("invalid \\u escape") }
        utf8.append(contentsOf: Array(String(scalar).utf8))
    }

    private mutating func hexQuad() throws(HeaderJSONSyntaxError) -> UInt32 {
        var value: UInt32 = 0
        for _ in 0..<4 {
            let digit: UInt32
            switch current {
            case let byte? where (0x30...0x39).contains(byte): digit = UInt32(byte - 0x30)
            case let byte? where (0x41...0x46).contains(byte): digit = UInt32(byte - 0x41 + 10)
            case let byte? where (0x61...0x66).contains(byte): digit = UInt32(byte - 0x61 + 10)
            default: throw failure("expected four hex digits after \\u")
            }
            value = value << 4 | digit
            position += 1
        }
        return value
    }
}
