/// `string` as a JSON string literal, quotes included: `"` and `\` escaped,
/// control characters as `\n`, `\t`, `\r`, `\b`, `\f` or `\u00XX`, everything
/// else kept as UTF-8 (RFC 8259 §7; as serde_json, which Hugging Face uses, writes
/// strings; Python's `json.dumps(ensure_ascii=False)` writes them alike). Shared by the
/// safetensors header, tokenizer.json and adapter_config.json writers and the chat
/// templates' `tojson`.
func jsonQuoted(_ string: String) -> String {
    var out = "\""
    for scalar in string.unicodeScalars {
        switch scalar {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        case "\u{08}": out += "\\b"
        case "\u{0C}": out += "\\f"
        case _ where scalar.value < 0x20:
            let hex = String(scalar.value, radix: 16, uppercase: false)
            out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
        default:
            out.unicodeScalars.append(scalar)
        }
    }
    out += "\""
    return out
}
