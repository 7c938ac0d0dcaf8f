extension Commands {
    static let expect = CommandSpec(
        "expect",
        arguments: [.argument("VALUE", .name, "a value left by an earlier command (show values lists them)"),
                    .argument("OP", .choice(["<", "<=", ">", ">=", "==", "!="]), "the comparison"),
                    .argument("NUMBER", .numberOrName, "what to compare with: a number, or another value's name")],
        summary: "assert a value from an earlier command (tutorials test themselves)",
        help: """
            Compares a value that an earlier command left in the session (a loss, a \
            count, a score; `show values` lists them) with a number. A failed \
            expectation is an error: a script stops there and reports file:line, \
            so a tutorial script doubles as a test. NUMBER may name another value, \
            compared exactly: `eval A against B` leaves B's figures as eval.against.*, \
            so `expect eval.safety > eval.against.safety` asserts that A is safer than B.
            """,
        examples: ["expect pretrain.loss < 2.5", "expect generate.count == 4",
                   "expect eval.unsafe_compliance < eval.against.unsafe_compliance"]
    ) { invocation, context in
        let values = context.session.values
        /// The value called `name`, or an error at `argument` listing the known ones.
        func lookUp(_ name: String, at argument: String) throws -> Double {
            if let v = values[name] { return v }
            let known = values.keys.sorted()
            let near = nearest(name, known).map { "; did you mean \($0)?" } ?? ""
            throw invocation.error("no value '\(name)'" + near
                                   + (known.isEmpty ? "; no command has left one yet" : "; values: \(known.joined(separator: ", "))"),
                                   at: argument)
        }
        let name = invocation.argument("VALUE")
        let value = try lookUp(name, at: "VALUE")
        let op = invocation.argument("OP"), right = invocation.argument("NUMBER")
        let number = Double(right).flatMap { $0.isFinite ? $0 : nil }  // "inf" is a name here
        let target = try number ?? lookUp(right, at: "NUMBER")
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
            let against = number == nil ? "\(right) (\(formatValue(target)))" : format(target)
            throw ShellError("expect failed: \(name) is \(formatValue(value)), not \(op) \(against)",
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
