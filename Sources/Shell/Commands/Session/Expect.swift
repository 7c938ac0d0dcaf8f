extension Commands {
    static let expect = CommandSpec(
        "expect",
        arguments: [.argument("VALUE", .name, "a value left by an earlier command (show values lists them)"),
                    .argument("OP", .choice(["<", "<=", ">", ">=", "==", "!="]), "the comparison"),
                    .argument("NUMBER", .float(), "what to compare with")],
        summary: "assert a value from an earlier command (tutorials test themselves)",
        help: """
            Compares a value that an earlier command left in the session (a loss, a \
            count, a score; `show values` lists them) with a number. A failed \
            expectation is an error: a script stops there and reports file:line, \
            so a tutorial script doubles as a test.
            """,
        examples: ["expect pretrain.loss < 2.5", "expect generate.count == 4"]
    ) { invocation, context in
        let name = invocation.argument("VALUE")
        guard let value = context.session.values[name] else {
            let known = context.session.values.keys.sorted()
            let near = nearest(name, known).map { "; did you mean \($0)?" } ?? ""
            throw invocation.error("no value '\(name)'\(near)" + (known.isEmpty ? "; no command has left one yet" : "; values: \(known.joined(separator: ", "))"),
                                   at: "VALUE")
        }
        let op = invocation.argument("OP"), target = Double(invocation.argument("NUMBER"))!
        let holds: Bool
        switch op {
        case "<": holds = value < target
        case "<=": holds = value <= target
        case ">": holds = value > target
        case ">=": holds = value >= target
        case "==": holds = value == target
        default: holds = value != target
        }
        guard holds else {
            throw ShellError("expect failed: \(name) is \(formatValue(value)), not \(op) \(format(target))",
                             at: invocation.commandColumns.lowerBound..<(invocation.columns["NUMBER"]!.upperBound))
        }
        return CommandOutput()
    }
}

/// A value as `show values` and `expect` print it: integers plainly, others to 4 significant digits.
func formatValue(_ x: Double) -> String {
    if x == x.rounded() && abs(x) < 1e12 { return String(Int(x)) }
    return String(format: "%.4g", x)
}
