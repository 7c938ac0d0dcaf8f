extension String {
    /// The text as a terminal can show it without being driven by it: a model's
    /// output may hold control characters (an escape sequence, a carriage return,
    /// a bell) that would move the cursor, recolour or clear the screen, or break
    /// a table. Newlines become ⏎; every other C0 control character, DEL and the
    /// C1 controls are written as escapes (`\x1b`, `\x7f`, `\u{9b}`); the rest is kept.
    var terminalSafe: String {
        guard unicodeScalars.contains(where: { $0.value < 0x20 || (0x7F...0x9F).contains($0.value) }) else { return self }
        var out = ""
        for scalar in unicodeScalars {
            switch scalar.value {
            case 0x0A: out += "⏎"
            case 0..<0x20, 0x7F: out += "\\x" + (scalar.value < 0x10 ? "0" : "") + String(scalar.value, radix: 16)
            case 0x80...0x9F: out += "\\u{" + String(scalar.value, radix: 16) + "}"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}

extension String {
    /// Lines as `terminalSafe` shows them, keeping newlines as they are and the
    /// colour sequences (ESC [ digits ; … m) that charts draw with: what every
    /// command prints passes through this, so a model's text anywhere in it can
    /// at most recolour, never move the cursor, clear or ring.
    var terminalSafeKeepingColour: String {
        guard unicodeScalars.contains(where: { ($0.value < 0x20 && $0 != "\n") || (0x7F...0x9F).contains($0.value) }) else { return self }
        let scalars = Array(unicodeScalars)
        var out = "", i = 0
        while i < scalars.count {
            let v = scalars[i].value
            if v == 0x1B, i + 1 < scalars.count, scalars[i + 1] == "[" {
                var j = i + 2
                while j < scalars.count, ("0"..."9").contains(scalars[j]) || scalars[j] == ";" { j += 1 }
                if j < scalars.count, scalars[j] == "m" {
                    out.unicodeScalars.append(contentsOf: scalars[i...j])
                    i = j + 1
                    continue
                }
            }
            if v == 0x0A { out += "\n" } else { out += String(String.UnicodeScalarView([scalars[i]])).terminalSafe }
            i += 1
        }
        return out
    }
}

extension String {
    /// `terminalSafe` line by line, the lines after the first indented by `indent` spaces: a model's reply of several lines.
    func terminalSafeLines(indent: Int) -> String {
        split(separator: "\n", omittingEmptySubsequences: false).map { String($0).terminalSafe }
            .joined(separator: "\n" + String(repeating: " ", count: indent))
    }
}
