import Foundation

/// Gold reads the whole answer, not only its key fact (issue 32): every
/// sentence of a response must be one this world's people write: the ideal's
/// sentence with some answer in its slot ("Lea lives in Lune.", "17 + 7 = 24."),
/// the bare answer ("Lune."), or a sentence of tone the demonstrators use
/// ("Sure!", "I hope this helps, …"). A sentence in the ideal's shape about
/// another person, word or sum ("16 + 7 = 24." asked 17 + 7), an article that
/// does not fit its noun ("a engineer"), or any other sentence ("Lea is 19 years
/// Hugo.") is a flaw gold names; a response cut mid-sentence may end in the
/// start of any of these.
struct AnswerForm {
    /// One position of a sentence's shape.
    enum Slot: Equatable {
        case word(String)
        /// Where the answer goes.
        case answer
        /// "a" or "an", as the answer's first letter asks.
        case article
        /// A word or number naming what is asked about (the person, the word, an operand).
        case subject(String)
    }

    /// How one sentence reads against the shapes.
    enum Reading: Equatable {
        case tone, bare, answer, otherSubject, badArticle, garbled
    }

    let kind: TaskKind
    /// The ideal's shape first, then other ways of saying the same ("Lea is 19.").
    let shapes: [[Slot]]
    /// Whether a word can stand in the answer's slot: a number, one of a pool, or any word of letters.
    let fits: (String) -> Bool
    /// Whether a word can name what is asked about: a person of the world, a number, a word.
    let canBeSubject: (String) -> Bool
    /// Sums and products: "9 + 1" restates "1 + 9".
    let commutative: Bool

    /// The shapes of `task`'s ideal and `alternatives` (nil for tasks with no
    /// answer sentence to read); `pool` the words an answer may be (nil: a
    /// number, or for a reversal any word of letters), `names` the people a
    /// fact may be about. A sentence cut at a token limit is read as far as it
    /// goes, whole words only: one cut inside a word reads as garbled (the
    /// bundled reward models learned from labels made so; a known edge, issue 32).
    init?(_ task: Task, alternatives: [String] = [], pool: [String]?, names: Set<String>) {
        kind = task.kind
        switch task.kind {
        case .fact, .arithmetic, .reverse, .count:
            let answer = task.answers[0].lowercased()
            let subjects: Set<String>
            switch task.kind {
            case .fact: subjects = [String(task.entity.split(separator: ".")[0]).lowercased()]
            case .arithmetic:
                let left = AnswerForm.tokens(task.ideal).prefix { $0 != "=" }
                subjects = Set(left.filter { Int($0) != nil })
            default: subjects = [task.entity.lowercased()]
            }
            var shapes: [[Slot]] = []
            for sentence in [task.ideal] + alternatives {
                var slots = AnswerForm.tokens(sentence).map(Slot.word)
                guard let a = slots.lastIndex(of: .word(answer)) else { return nil }
                slots[a] = .answer
                if a > 0, slots[a - 1] == .word("a") || slots[a - 1] == .word("an") { slots[a - 1] = .article }
                shapes.append(slots.map { if case .word(let w) = $0, subjects.contains(w) { .subject(w) } else { $0 } })
            }
            self.shapes = shapes
            if let pool {
                let words = Set(pool.map { $0.lowercased() })
                fits = { words.contains($0) }
            } else if task.kind == .reverse {
                fits = { $0.allSatisfy(\.isLetter) }
            } else {
                fits = { Int($0) != nil }
            }
            switch task.kind {
            case .fact: canBeSubject = { names.contains($0) }
            case .arithmetic: canBeSubject = { Int($0) != nil }
            default: canBeSubject = { $0.allSatisfy(\.isLetter) }
            }
            commutative = task.kind == .arithmetic && !task.ideal.contains(" - ")
        case .borderline:
            shapes = [AnswerForm.tokens(task.ideal).map(Slot.word)]
            fits = { _ in false }
            canBeSubject = { _ in false }
            commutative = false
        default:
            return nil
        }
    }

    /// The first flaw of `text`'s sentences and whether one of them is the ideal's
    /// sentence with its subject right (the answer "says what it answers");
    /// `others` are the shapes of the world's other questions, to tell an
    /// answer to another question from a garbled sentence.
    func read(_ text: String, others: () -> [AnswerForm]) -> (flaw: String?, complete: Bool) {
        var complete = false
        let sentences = AnswerForm.sentences(text)
        let ended = text.hasSuffix(".") || text.hasSuffix("!") || text.hasSuffix("?")
        for (i, sentence) in sentences.enumerated() {
            let unfinished = i == sentences.count - 1 && !ended
            let tokens = AnswerForm.tokens(sentence)
            if tokens.isEmpty { continue }
            switch reading(tokens, unfinished: unfinished) {
            case .answer: complete = complete || !unfinished
            case .tone, .bare: break
            case .otherSubject:
                return ("about the wrong \(kind == .fact ? "person" : kind == .arithmetic ? "numbers" : "word"): \"\(sentence)\"", false)
            case .badArticle: return ("ungrammatical article: \"\(sentence)\"", false)
            case .garbled:
                // A cut fragment of a word or two fits the start of too many shapes to name one.
                let elsewhere = (!unfinished || tokens.count > 2) && others().contains { [.answer, .otherSubject, .badArticle].contains($0.reading(tokens, unfinished: unfinished)) }
                return ((elsewhere ? "answers another question: " : "garbled: ") + "\"\(sentence)\"", false)
            }
        }
        return (nil, complete)
    }

    /// The reading of one sentence's tokens (`unfinished`: a prefix is enough).
    func reading(_ tokens: [String], unfinished: Bool) -> Reading {
        func fitsPrefix(_ whole: [String]) -> Bool {
            unfinished ? tokens.count <= whole.count && Array(whole.prefix(tokens.count)) == tokens : whole == tokens
        }
        if AnswerForm.toneSentences.contains(where: fitsPrefix) { return .tone }
        var body = Array(tokens)
        if let opener = AnswerForm.openers.first(where: { tokens.starts(with: $0) && tokens.count > $0.count }) {
            body = Array(tokens.dropFirst(opener.count))
        }
        if kind != .borderline, body.count == 1, fits(body[0]) { return .bare }
        let readings = shapes.map { read(body, as: $0, unfinished: unfinished) }
        for r in [Reading.answer, .badArticle, .otherSubject] where readings.contains(r) { return r }
        return .garbled
    }

    /// `body` against one shape.
    private func read(_ body: [String], as shape: [Slot], unfinished: Bool) -> Reading {
        guard unfinished ? body.count <= shape.count : body.count == shape.count else { return .garbled }
        var given: String?, givenArticle: String?, asked: [String] = [], named: [String] = []
        for (slot, token) in zip(shape, body) {
            switch slot {
            case .word(let w): if w != token { return .garbled }
            case .answer:
                guard fits(token) else { return .garbled }
                given = token
            case .article:
                guard token == "a" || token == "an" else { return .garbled }
                givenArticle = token
            case .subject(let s):
                guard canBeSubject(token) else { return .garbled }
                asked.append(s)
                named.append(token)
            }
        }
        if let givenArticle, let given, givenArticle != article(given) { return .badArticle }
        let same = commutative ? asked.sorted() == named.sorted() : asked == named
        return same ? .answer : .otherSubject
    }

    /// Whole sentences of tone the demonstrators write ("Sure!", "Duh.", a padding), as tokens.
    static let toneSentences: [[String]] = {
        let openings = ["Sure! "] + Demonstrator.rudeOpenings
        let whole = openings.flatMap { sentences($0).filter { $0.hasSuffix("!") || $0.hasSuffix(".") || $0.hasSuffix(":") } }
        return (whole + Demonstrator.paddings).map(tokens)
    }()

    /// Openings that start an answer's own sentence ("Obviously, …"), as tokens.
    static let openers: [[String]] = (["Sure! "] + Demonstrator.rudeOpenings)
        .compactMap { sentences($0).last.flatMap { $0.hasSuffix(",") ? tokens($0) : nil } }

    /// `text` cut after each ".", "!", "?" or ":" that ends a word (the last piece may be unfinished).
    static func sentences(_ text: String) -> [String] {
        var out: [String] = [], current = ""
        let chars = Array(text)
        for (i, c) in chars.enumerated() {
            current.append(c)
            if ".!?:".contains(c), i + 1 == chars.count || chars[i + 1].isWhitespace {
                out.append(current.trimmingCharacters(in: .whitespacesAndNewlines))
                current = ""
            }
        }
        let rest = current.trimmingCharacters(in: .whitespacesAndNewlines)
        if !rest.isEmpty { out.append(rest) }
        return out
    }

    /// Lower-case words and numbers, with "+", "-", "×" and "=" as words of their own ("−" read as "-", "*" as "×";
    /// "Lea's" reads as "lea", "s").
    static func tokens(_ sentence: String) -> [String] {
        var out: [String] = [], current = ""
        func flush() { if !current.isEmpty { out.append(current); current = "" } }
        for c in sentence.lowercased() {
            if c.isLetter || c.isNumber {
                current.append(c)
            } else {
                flush()
                if "+-−×*=".contains(c) { out.append(c == "−" ? "-" : c == "*" ? "×" : String(c)) }
            }
        }
        flush()
        return out
    }
}
