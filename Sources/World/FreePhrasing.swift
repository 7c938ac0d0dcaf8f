/// Prompts the world's tasks do not list word for word, but whose answer the
/// gold labeler can still check: a sum or difference of any two numbers, the
/// reversal or the length of any word, however the question is put ("What is
/// 3 + 4?", "what's 12 minus 5", "Spell garden backwards.", "How many letters
/// does cat have?"). Anything else is named against its nearest world prompt.
extension World {
    /// The task `prompt` asks, exactly as listed or understood from a free phrasing.
    public func understood(_ prompt: String) -> Task? { task(for: prompt) ?? freeTask(for: prompt) }

    /// A task built from a free phrasing of arithmetic, reversal or counting, or nil.
    public func freeTask(for prompt: String) -> Task? {
        let words = FreeWords(prompt)
        if let t = words.arithmetic(prompt) { return t }
        if words.has("reverse") || words.has("backwards") || words.has("backward") {
            guard let w = words.subject(after: ["word", "reverse", "spell"]) else { return nil }
            let reversed = String(w.reversed())
            return Task(kind: .reverse, prompt: prompt, ideal: "\(w) reversed is \(reversed).", entity: w, answers: [reversed],
                        correctLetter: nil, inner: nil, heldOut: false)
        }
        if (words.has("letters") && (words.has("many") || words.has("count"))) || (words.has("long") && words.has("how")) {
            guard let w = words.subject(after: ["word", "in", "does", "is"]) else { return nil }
            return Task(kind: .count, prompt: prompt, ideal: "\(w) has \(w.count) letters.", entity: w, answers: [String(w.count)],
                        correctLetter: nil, inner: nil, heldOut: false)
        }
        return nil
    }

    /// The world prompt sharing the most words with `prompt` (ties: the first listed).
    public func nearestPrompt(to prompt: String) -> String? {
        let asked = Set(FreeWords(prompt).words)
        guard !asked.isEmpty else { return nil }
        var best: (prompt: String, score: Double)?
        for t in tasks where t.kind != .judge && t.kind != .revise {
            let theirs = Set(FreeWords(t.prompt).words)
            let shared = Double(asked.intersection(theirs).count)
            guard shared > 0 else { continue }
            let score = shared / Double(asked.union(theirs).count)
            if score > (best?.score ?? 0) { best = (t.prompt, score) }
        }
        return best?.prompt
    }
}

/// A prompt as lower-case words and numbers, with the symbols + − × kept as words.
struct FreeWords {
    let words: [String]

    init(_ text: String) {
        var out: [String] = [], current = ""
        func flush() { if !current.isEmpty { out.append(current); current = "" } }
        for c in text.lowercased() {
            if c.isLetter || c.isNumber || c == "'" {
                current.append(c)
            } else {
                flush()
                if "+-−*×".contains(c) { out.append(String(c)) }
            }
        }
        flush()
        words = out.map { $0.hasSuffix("'s") ? String($0.dropLast(2)) : $0 }
    }

    func has(_ word: String) -> Bool { words.contains(word) }

    /// "What is 3 + 4?", "add 3 and 4", "3 plus 4", "subtract 4 from 9", "9 minus 4", "what's 2 times 3".
    func arithmetic(_ prompt: String) -> Task? {
        let numbers = words.compactMap { Int($0) }
        guard numbers.count == 2, numbers.allSatisfy({ (0...1_000_000).contains($0) }) else { return nil }
        let (x, y) = (numbers[0], numbers[1])
        let (op, a, b): (String, Int, Int)
        if has("subtract") && has("from") {
            (op, a, b) = ("-", y, x)
        } else if has("-") || has("−") || has("minus") || has("subtract") || has("difference") {
            (op, a, b) = ("-", x, y)
        } else if has("+") || has("plus") || has("add") || has("sum") {
            (op, a, b) = ("+", x, y)
        } else if has("*") || has("×") || has("times") || has("multiply") || has("product") {
            (op, a, b) = ("×", x, y)
        } else {
            return nil
        }
        let result = op == "-" ? a - b : op == "+" ? a + b : a * b
        // A negative result cannot be judged: gold reads words, and "-" is not part of one (the world subtracts only a ≥ b).
        guard result >= 0 else { return nil }
        let ideal = "\(a) \(op) \(b) = \(result)."
        return Task(kind: .arithmetic, prompt: prompt, ideal: ideal, entity: "\(a)\(op)\(b)",
                    answers: [String(result)], correctLetter: nil, inner: nil, heldOut: false)
    }

    /// The word a reversal or count asks about: the one after the first of
    /// `markers` that is followed by a plain word, else the last plain word.
    func subject(after markers: [String]) -> String? {
        let filler: Set<String> = ["the", "word", "a", "please", "letters", "backwards", "backward", "there", "have", "has",
                                   "long", "how", "many", "are", "is", "in", "does", "of", "spell", "reverse", "count", "you",
                                   "can", "what", "me", "for", "it"]
        func plain(_ w: String) -> Bool { w.allSatisfy(\.isLetter) && !filler.contains(w) }
        for marker in markers {
            if let i = words.firstIndex(of: marker), let w = words[(i + 1)...].first(where: plain) { return w }
        }
        return words.last(where: plain)
    }
}
