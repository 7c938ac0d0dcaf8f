/// `string` as a JSON string literal, quotes included: `"` and `\` escaped,
/// control characters as `\n`, `\t`, `\r` or `\u00XX`, everything else kept as
/// UTF-8 (RFC 8259 §7). For writing JSONL files byte for byte the same each time.
public func jsonQuoted(_ string: String) -> String {
    var out = "\""
    for scalar in string.unicodeScalars {
        switch scalar {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        case _ where scalar.value < 0x20:
            let hex = String(scalar.value, radix: 16)
            out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
        default:
            out.unicodeScalars.append(scalar)
        }
    }
    return out + "\""
}
