import LanguageModel

/// A stage of the pipeline and its commands, as `help` groups them.
public struct Stage: Sendable {
    public var name: String
    public var commands: [CommandSpec]

    public init(_ name: String, _ commands: [CommandSpec]) {
        self.name = name
        self.commands = commands
    }
}

/// Every command, found by its words; parses a line into an `Invocation`.
public struct Registry: Sendable {
    /// The commands by stage, in the order `help` lists them.
    public let stages: [Stage]
    /// Every command, stage after stage.
    public let commands: [CommandSpec]

    /// A registry of commands by stage.
    public init(stages: [Stage]) {
        self.stages = stages
        self.commands = stages.flatMap(\.commands)
    }

    /// A registry of `commands` in one stage.
    public init(_ commands: [CommandSpec]) {
        self.init(stages: [Stage("commands", commands)])
    }

    /// The stage called `name` (case and spaces aside: "rl", "reward models", "reward-models").
    public func stage(named name: String) -> Stage? {
        func key(_ s: String) -> String { s.lowercased().filter { $0.isLetter } }
        return stages.first { key($0.name) == key(name) || key($0.name).hasPrefix(key(name)) && key(name).count >= 3 }
    }

    /// The command whose words are `name` ("load model").
    public func command(named name: String) -> CommandSpec? {
        commands.first { $0.name == name }
    }

    /// Every first word of a command name.
    public var verbs: [String] {
        var seen = Set<String>(), out: [String] = []
        for c in commands where seen.insert(c.words[0]).inserted { out.append(c.words[0]) }
        return out
    }

    /// Parses `tokens` of `line` against the matching command's spec.
    public func parse(_ tokens: [Token], line: String) throws(ShellError) -> Invocation {
        guard let first = tokens.first else { throw ShellError("empty command") }
        guard first.kind == .word else {
            throw ShellError("a command starts with its name, not \(first.optionKey != nil ? "an option" : "a string")",
                             at: first.columns, hint: "help")
        }
        // The longest run of leading bare words that names a command.
        var best: CommandSpec?
        for spec in commands where spec.words.count <= tokens.count {
            let matches = zip(spec.words, tokens).allSatisfy { $1.kind == .word && $0 == $1.text }
            if matches && spec.words.count > (best?.words.count ?? 0) { best = spec }
        }
        guard let spec = best else { throw unknownCommand(tokens) }
        var invocation = Invocation(spec: spec, line: line)
        invocation.commandColumns = tokens[0].columns.lowerBound..<tokens[spec.words.count - 1].columns.upperBound
        var positional = spec.arguments.makeIterator()
        var lastColumn = tokens.last!.columns.upperBound
        for token in tokens.dropFirst(spec.words.count) {
            lastColumn = token.columns.upperBound
            if let key = token.optionKey {
                guard let option = spec.options.first(where: { $0.name == key })
                        ?? spec.namedOptions.flatMap({ named in isName(key) ? Parameter.option(key, named.kind, named.summary) : nil }) else {
                    let near = nearest(key, spec.options.map(\.name))
                    let keyColumns = token.columns.lowerBound..<(token.columns.lowerBound + key.count)
                    throw ShellError("\(spec.name) has no option \(key)" + (near.map { "; did you mean \($0)?" } ?? ""),
                                     at: keyColumns, hint: "help \(spec.name)")
                }
                guard !invocation.given.contains(key) else {
                    throw ShellError("\(key) is given twice", at: token.columns, hint: "help \(spec.name)")
                }
                try check(token.text, against: option, columns: token.columns, spec: spec)
                invocation.options[key] = token.text
                invocation.given.insert(key)
                invocation.columns[key] = token.columns
                continue
            }
            guard var parameter = positional.next() else {
                throw ShellError("unexpected \(token.kind == .string ? "string" : "word") '\(token.text)': usage: \(spec.usage)",
                                 at: token.columns, hint: "help \(spec.name)")
            }
            // A quoted string where an optional name may stand skips the name:
            // `generate "PROMPT"` leaves MODEL to its default.
            if !parameter.required, parameter.kind == .name, token.kind == .string, let next = positional.next() {
                parameter = next
            }
            if case let .literal(word) = parameter.kind {
                guard token.kind == .word && token.text == word else {
                    throw ShellError("expected '\(word)' here: usage: \(spec.usage)", at: token.columns, hint: "help \(spec.name)")
                }
                continue
            }
            try check(token.text, against: parameter, columns: token.columns, spec: spec)
            if parameter.takesRest {
                // TEXT... gathers every remaining word.
                if let earlier = invocation.arguments[parameter.name] {
                    invocation.arguments[parameter.name] = earlier + " " + token.text
                    invocation.columns[parameter.name] = invocation.columns[parameter.name]!.lowerBound..<token.columns.upperBound
                } else {
                    invocation.arguments[parameter.name] = token.text
                    invocation.columns[parameter.name] = token.columns
                }
                positional = ([parameter] + Array(IteratorSequence(positional))).makeIterator()
                continue
            }
            invocation.arguments[parameter.name] = token.text
            invocation.columns[parameter.name] = token.columns
        }
        while let missing = positional.next() {
            if missing.required && invocation.arguments[missing.name] == nil {
                let what = if case let .literal(word) = missing.kind { "'\(word)'" } else { missing.name }
                throw ShellError("\(spec.name) needs \(what): usage: \(spec.usage)",
                                 at: lastColumn..<(lastColumn + 1), hint: "help \(spec.name)")
            }
        }
        for option in spec.options where invocation.options[option.name] == nil {
            if let value = option.defaultValue { invocation.options[option.name] = value }
        }
        return invocation
    }

    /// Whether `text` is a name: a letter or _ first, then letters, digits, _ - and dots.
    private func isName(_ text: String) -> Bool {
        guard let first = text.first, first.isLetter || first == "_" else { return false }
        return text.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" || $0 == "." }
    }

    /// Checks a value against a parameter's kind.
    private func check(_ text: String, against p: Parameter, columns: Range<Int>, spec: CommandSpec) throws(ShellError) {
        func fail(_ what: String) -> ShellError {
            ShellError("\(p.name) expects \(what), not '\(text)'", at: columns, hint: "help \(spec.name)")
        }
        switch p.kind {
        case let .integer(range):
            guard let v = Int(text) else { throw fail("an integer") }
            if let range, !range.contains(v) { throw fail("an integer from \(range.lowerBound) to \(range.upperBound)") }
        case let .float(range):
            guard let v = Double(text), v.isFinite else { throw fail("a number") }
            if let range, !range.contains(v) { throw fail("a number from \(format(range.lowerBound)) to \(format(range.upperBound))") }
        case .bool:
            guard parseBool(text) != nil else { throw fail("true or false") }
        case .name:
            guard isName(text) else { throw fail("a name (letters, digits, _ - .)") }
        case .modelName:
            guard isName(text) || HuggingFaceCache.isRepositoryID(text) else {
                throw fail("a name (letters, digits, _ - .) or a Hugging Face id ORG/NAME")
            }
        case .numberOrName:
            guard Double(text).map(\.isFinite) ?? isName(text) else { throw fail("a number or a value's name") }
        case let .choice(words):
            guard words.contains(text) else {
                let near = nearest(text, words).map { "; did you mean \($0)?" } ?? ""
                throw ShellError("\(p.name) expects one of \(words.joined(separator: ", ")), not '\(text)'\(near)",
                                 at: columns, hint: "help \(spec.name)")
            }
        case .path, .string, .literal:
            if text.isEmpty && p.kind == .path { throw fail("a path") }
        }
    }

    /// The error for a line whose words name no command.
    private func unknownCommand(_ tokens: [Token]) -> ShellError {
        let word = tokens[0].text
        let group = commands.filter { $0.words[0] == word }
        if !group.isEmpty, group.allSatisfy({ $0.words.count > 1 }) {
            let second = tokens.count > 1 ? tokens[1] : nil
            let choices = group.map { $0.words[1] }
            let near = second.flatMap { nearest($0.text, choices) }.map { "; did you mean \(word) \($0)?" } ?? ""
            return ShellError("\(word) what? \(group.map(\.name).joined(separator: ", "))\(near)",
                              at: second?.columns ?? tokens[0].columns, hint: "help \(word)")
        }
        let near = nearest(word, verbs).map { "; did you mean \($0)?" } ?? ""
        return ShellError("unknown command '\(word)'\(near)", at: tokens[0].columns, hint: "help")
    }
}

/// The candidate closest to `word` by edit distance, if it is close enough to
/// be a typo (at most a third of the word, and at least 1, edits away).
func nearest(_ word: String, _ candidates: [String]) -> String? {
    let limit = max(1, word.count / 3)
    var best: (String, Int)?
    for c in candidates {
        let d = editDistance(word.lowercased(), c.lowercased())
        if d <= limit && d < (best?.1 ?? Int.max) { best = (c, d) }
    }
    if best == nil, let prefix = candidates.first(where: { $0.hasPrefix(word) && word.count >= 2 }) { return prefix }
    return best?.0
}

/// Levenshtein distance, counting an adjacent swap as one edit.
func editDistance(_ a: String, _ b: String) -> Int {
    let x = Array(a), y = Array(b)
    if x.isEmpty { return y.count }
    if y.isEmpty { return x.count }
    var d = [[Int]](repeating: [Int](repeating: 0, count: y.count + 1), count: x.count + 1)
    for i in 0...x.count { d[i][0] = i }
    for j in 0...y.count { d[0][j] = j }
    for i in 1...x.count {
        for j in 1...y.count {
            let cost = x[i - 1] == y[j - 1] ? 0 : 1
            d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
            if i > 1, j > 1, x[i - 1] == y[j - 2], x[i - 2] == y[j - 1] { d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1) }
        }
    }
    return d[x.count][y.count]
}
