import Files
import Foundation

/// Why a data file could not be read: the file, the line, what was wrong.
public struct DataFileError: Error, LocalizedError, Equatable, Sendable {
    /// The file.
    public var path: String
    /// The 1-based line, or nil for the whole file.
    public var line: Int?
    /// What is wrong and what to do.
    public var problem: String

    public var errorDescription: String? {
        "\(path)\(line.map { ":\($0)" } ?? ""): \(problem)"
    }
}

/// Reading datasets: JSONL in TRL's field names, or plain text.
public enum DataFile {
    /// The most responses one ranking holds: its C(K,2) comparisons are all made
    /// when a reward model trains on it.
    public static let rankingLimit = 64

    /// Reads `url`: a `.jsonl` file gives one record per non-blank line, all of
    /// one kind; any other file is plain text, one `text` record per paragraph
    /// (blocks separated by blank lines). Nothing is returned unless every line
    /// is good: the first bad line is the error.
    public static func read(_ url: URL) throws -> Dataset {
        let text: String
        do {
            text = try OutsideFile.text(url.path)  // a BOM dropped, CR LF read as a line break
        } catch {
            throw DataFileError(path: url.path, line: nil, problem: error.problem)
        }
        if url.pathExtension.lowercased() == "jsonl" { return try jsonl(text, path: url.path) }
        let paragraphs = text.components(separatedBy: "\n\n").map { $0.trimmingCharacters(in: .newlines) }.filter { !$0.isEmpty }
        return Dataset(records: paragraphs.map(Record.text), source: url.path)
    }

    /// Parses JSONL text (line breaks as `Text.normalized` reads them).
    public static func jsonl(_ text: String, path: String) throws -> Dataset {
        var records: [Record] = []
        for (index, line) in Text.normalized(text).split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty { continue }
            let record = try parse(trimmed, path: path, line: index + 1)
            if let first = records.first, first.kind != record.kind {
                throw DataFileError(path: path, line: index + 1,
                                    problem: "a \(record.kind) record among \(first.kind) records; one file holds one kind")
            }
            records.append(record)
        }
        return Dataset(records: records, source: path)
    }

    private static func parse(_ line: String, path: String, line number: Int) throws -> Record {
        func fail(_ problem: String) -> DataFileError { DataFileError(path: path, line: number, problem: problem) }
        guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) else {
            throw fail("not valid JSON; each line must be one JSON object")
        }
        guard let o = object as? [String: Any] else { throw fail("a JSON \(type(of: object)) where an object was expected") }
        func string(_ key: String) throws -> String {
            guard let v = o[key] else { throw fail("missing field \"\(key)\"") }
            guard let s = v as? String else { throw fail("field \"\(key)\" must be a string") }
            return s
        }
        if o["text"] != nil { return .text(try string("text")) }
        if let raw = o["messages"] {
            guard let list = raw as? [[String: Any]] else { throw fail("\"messages\" must be a list of {\"role\", \"content\"} objects") }
            return .messages(try list.map { m in
                guard let role = m["role"] as? String, let content = m["content"] as? String else {
                    throw fail("each message needs string fields \"role\" and \"content\"")
                }
                guard ["system", "user", "assistant"].contains(role) else {
                    throw fail("role \"\(role)\" is not system, user or assistant")
                }
                return Message(role: role, content: content)
            })
        }
        func flag(_ key: String) throws -> Bool {
            guard let raw = o[key] else { return false }
            guard let b = raw as? Bool, jsonNumber(raw) == nil else { throw fail("\"\(key)\" must be true or false") }
            return b
        }
        let prompt = try string("prompt")
        if let label = o["label"] {
            guard let desirable = label as? Bool, jsonNumber(label) == nil else {
                throw fail("\"label\" must be true (a desirable completion) or false")
            }
            return .unpaired(prompt: prompt, completion: try string("completion"), label: desirable, truncated: try flag("truncated"))
        }
        if o["completion"] != nil {
            return .completion(prompt: prompt, completion: try string("completion"), truncated: try flag("truncated"))
        }
        if o["chosen"] != nil || o["rejected"] != nil {
            var margin: Double?
            if let m = o["margin"] {
                guard let n = jsonNumber(m), n.isFinite else { throw fail("\"margin\" must be a number") }
                margin = n
            }
            var rating: Rating?
            if o["rating"] != nil {
                let name = try string("rating")
                guard let r = Rating(key: name) else {
                    throw fail("\"rating\" must be one of " + Rating.allCases.map { "\"\($0.key)\"" }.joined(separator: ", "))
                }
                rating = r
            }
            var probability: Double?
            if let raw = o["probability"] {
                guard let n = jsonNumber(raw), (0...1).contains(n) else {
                    throw fail("\"probability\" must be a number from 0 to 1 (how likely chosen is the better)")
                }
                probability = n
            }
            return .preference(prompt: prompt, chosen: try string("chosen"), rejected: try string("rejected"),
                               margin: margin, rating: rating, probability: probability,
                               truncated: PairSides(winner: try flag("chosen_truncated"), loser: try flag("rejected_truncated")))
        }
        if let raw = o["responses"] {
            guard let responses = raw as? [String], responses.count >= 2 else {
                throw fail("\"responses\" must be a list of at least two strings")
            }
            guard responses.count <= DataFile.rankingLimit else {
                let most = DataFile.rankingLimit
                throw fail("a ranking of \(responses.count) responses stands for \(responses.count * (responses.count - 1) / 2) comparisons; "
                    + "one holds at most \(most) (\(most * (most - 1) / 2) comparisons; InstructGPT ranked 4 to 9)")
            }
            guard let ranking = o["ranking"] as? [Int], ranking.sorted() == Array(0..<responses.count) else {
                throw fail("\"ranking\" must list each response index 0..<\(responses.count) once, best first")
            }
            var truncated: Set<Int> = []
            if let raw = o["truncated"] {
                guard let list = raw as? [Int], list.allSatisfy({ (0..<responses.count).contains($0) }), Set(list).count == list.count else {
                    throw fail("\"truncated\" must list response indices 0..<\(responses.count) (those cut at a token limit), each once")
                }
                truncated = Set(list)
            }
            return .ranking(prompt: prompt, responses: responses, ranking: ranking, truncated: truncated)
        }
        let shapes = ["completion", "chosen", "rejected", "responses", "ranking", "margin", "rating", "probability", "truncated",
                      "chosen_truncated", "rejected_truncated"]
        if let stray = shapes.first(where: { o[$0] != nil }) {
            throw fail("\"\(stray)\" belongs to a record with \"completion\", \"chosen\"/\"rejected\" or \"responses\"/\"ranking\"")
        }
        var task: String?
        if let t = o["task"] {
            guard let s = t as? String else { throw fail("\"task\" must be a string") }
            task = s
        }
        var safety = false
        if let s = o["safety"] {
            guard let b = s as? Bool, jsonNumber(s) == nil else { throw fail("\"safety\" must be true or false") }
            safety = b
        }
        // Any other field (an answer to check, a solution) is kept as its JSON text.
        var fields: [String: String] = [:]
        for (key, value) in o where !["prompt", "task", "safety"].contains(key) {
            guard let data = try? JSONSerialization.data(withJSONObject: value, options: [.fragmentsAllowed, .sortedKeys]),
                  let text = String(data: data, encoding: .utf8) else {
                throw fail("field \"\(key)\" cannot be kept")
            }
            fields[key] = text
        }
        return .prompt(prompt, task: task, safety: safety, fields: PromptFields(json: fields))
    }
}

extension Record {
    /// The record as one JSONL line in TRL's field names (no newline), which
    /// `DataFile.jsonl` reads back as the same record.
    public var jsonLine: String {
        func field(_ key: String, _ value: String) -> String { "\(jsonQuoted(key)): \(value)" }
        let q = jsonQuoted
        switch self {
        case let .text(t):
            return "{\(field("text", q(t)))}"
        case let .completion(p, c, truncated):
            return "{\(field("prompt", q(p))), \(field("completion", q(c)))" + (truncated ? ", \(field("truncated", "true"))}" : "}")
        case let .unpaired(p, c, label, truncated):
            return "{\(field("prompt", q(p))), \(field("completion", q(c))), \(field("label", label ? "true" : "false"))"
                + (truncated ? ", \(field("truncated", "true"))}" : "}")
        case let .messages(m):
            let turns = m.map { "{\(field("role", q($0.role))), \(field("content", q($0.content)))}" }
            return "{\(field("messages", "[" + turns.joined(separator: ", ") + "]"))}"
        case let .preference(p, c, r, margin, rating, probability, truncated):
            var parts = [field("prompt", q(p)), field("chosen", q(c)), field("rejected", q(r))]
            if let margin { parts.append(field("margin", "\(margin)")) }
            if let rating { parts.append(field("rating", q(rating.key))) }
            if let probability { parts.append(field("probability", "\(probability)")) }
            if truncated.contains(.chosen) { parts.append(field("chosen_truncated", "true")) }
            if truncated.contains(.rejected) { parts.append(field("rejected_truncated", "true")) }
            return "{" + parts.joined(separator: ", ") + "}"
        case let .ranking(p, responses, ranking, truncated):
            return "{\(field("prompt", q(p))), \(field("responses", "[" + responses.map(q).joined(separator: ", ") + "]")), "
                + "\(field("ranking", "[" + ranking.map(String.init).joined(separator: ", ") + "]"))"
                + (truncated.isEmpty ? "}" : ", \(field("truncated", "[" + truncated.sorted().map(String.init).joined(separator: ", ") + "]"))}")
        case let .prompt(p, task, safety, fields):
            var parts = [field("prompt", q(p))]
            if let task { parts.append(field("task", q(task))) }
            parts.append(field("safety", safety ? "true" : "false"))
            parts += fields.names.map { field($0, fields.json[$0]!) }
            return "{" + parts.joined(separator: ", ") + "}"
        }
    }
}

extension DataFile {
    /// Writes `records` as JSONL to `url`, whole or not at all (`AtomicFile`).
    public static func write(_ records: [Record], to url: URL) throws {
        let text = records.map { $0.jsonLine + "\n" }.joined()
        do {
            try AtomicFile.write(Data(text.utf8), to: url)
        } catch {
            throw DataFileError(path: url.path, line: nil, problem: error.problem)
        }
    }
}

/// A JSON number's value; nil for anything else, true and false included.
/// (Foundation reads both as NSNumber, and `is Bool` holds for any number
/// that is 0 or 1; a boolean's NSNumber alone has the C type code "c".)
func jsonNumber(_ raw: Any) -> Double? {
    guard let n = raw as? NSNumber, String(cString: n.objCType) != "c" else { return nil }
    return n.doubleValue
}
