import Foundation

/// Tab completion, generated from the command specs and the session: command
/// names, the option names of the command being typed, names of objects in the
/// session, and file paths where a path is expected.
public struct Completer {
    let registry: Registry
    let session: Session

    /// A completer over `registry` and `session`.
    public init(registry: Registry, session: Session) {
        self.registry = registry
        self.session = session
    }

    /// Candidates for the word that ends `line` (the text before the cursor):
    /// the word being completed and the full replacements for it.
    public func complete(_ line: String) -> (word: String, candidates: [String]) {
        let endsInSpace = line.last == " "
        var words = line.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        let current = endsInSpace ? "" : (words.popLast() ?? "")
        // Still typing the command's words?
        let typed = words.joined(separator: " ")
        let commandStarts = registry.commands.filter { spec in
            words.count < spec.words.count && Array(spec.words.prefix(words.count)) == words
        }
        if !commandStarts.isEmpty, registry.commands.first(where: { $0.words == words }) == nil {
            let next = Set(commandStarts.map { $0.words[words.count] }).filter { $0.hasPrefix(current) }
            return (current, next.sorted())
        }
        guard let spec = registry.commands.filter({ Array(words.prefix($0.words.count)) == $0.words })
            .max(by: { $0.words.count < $1.words.count }) else {
            _ = typed
            return (current, [])
        }
        if let eq = current.firstIndex(of: "=") {
            let key = String(current[..<eq]), value = String(current[current.index(after: eq)...])
            guard let option = spec.options.first(where: { $0.name == key }) else { return (current, []) }
            return (current, values(for: option.kind, prefix: value).map { key + "=" + $0 })
        }
        // Which positional argument is this word?
        let given = words.dropFirst(spec.words.count).filter { !$0.contains("=") }.count
        var candidates = spec.options.map { $0.name + "=" }.filter { $0.hasPrefix(current) }
        let positional = spec.arguments
        if given < positional.count {
            candidates = values(for: positional[given].kind, prefix: current) + candidates
        } else if let last = positional.last, last.takesRest {
            candidates = values(for: last.kind, prefix: current) + candidates
        }
        return (current, candidates)
    }

    private func values(for kind: ValueKind, prefix: String) -> [String] {
        switch kind {
        case .name, .modelName: return session.objectNames.filter { $0.hasPrefix(prefix) }
        case .path: return paths(prefix)
        case .bool: return ["true", "false"].filter { $0.hasPrefix(prefix) }
        case let .choice(words): return words.filter { $0.hasPrefix(prefix) }
        case let .literal(word): return word.hasPrefix(prefix) ? [word] : []
        case .string: return (registry.commands.map(\.name) + Topic.all.map(\.name)).filter { $0.hasPrefix(prefix) && !prefix.isEmpty }
        case .numberOrName: return session.values.keys.sorted().filter { $0.hasPrefix(prefix) && !prefix.isEmpty }
        case .integer, .float: return []
        }
    }

    /// Files and directories starting with `prefix`; directories end in "/".
    private func paths(_ prefix: String) -> [String] {
        let expanded = (prefix as NSString).expandingTildeInPath
        let dir = prefix.hasSuffix("/") ? expanded : (expanded as NSString).deletingLastPathComponent
        let stem = prefix.hasSuffix("/") ? "" : (expanded as NSString).lastPathComponent
        let listing = (try? FileManager.default.contentsOfDirectory(atPath: dir.isEmpty ? "." : dir)) ?? []
        let shownDir = prefix.hasSuffix("/") ? prefix : String(prefix.dropLast(stem.count))
        return listing.filter { $0.hasPrefix(stem) && !($0.hasPrefix(".") && !stem.hasPrefix(".")) }.sorted().map { name in
            var isDirectory: ObjCBool = false
            _ = FileManager.default.fileExists(atPath: ((dir.isEmpty ? "." : dir) as NSString).appendingPathComponent(name), isDirectory: &isDirectory)
            return shownDir + name + (isDirectory.boolValue ? "/" : "")
        }
    }
}
