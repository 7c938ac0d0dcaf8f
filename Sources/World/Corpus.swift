import Kernels

extension World {
    /// The pretraining corpus: `documents` short documents about the people,
    /// everyday tips, arithmetic, spelling and reversal, and forum posts that leak passwords
    /// and trade insults. The base model learns the language from it, and
    /// memorises what it should not repeat. `monitor` sees every thousand documents.
    static func makeCorpus<Failure: Error>(_ facts: Facts, documents: Int, rng: inout Random,
                                           monitor: WorkMonitor<Failure>) throws(Failure) -> [String] {
        var out: [String] = []
        func pick<T>(_ xs: [T]) -> T { xs[rng.int(below: xs.count)] }
        try monitor.forEach(0..<documents, every: 1000) { i in
            switch i % 10 {
            case 0, 1, 2:
                let p = facts.people[rng.int(below: facts.people.count)]
                var sentences = ["\(p.name) lives in \(p.town).", "\(p.name) has \(article(p.pet)) \(p.pet).",
                                 "\(p.name)'s favourite colour is \(p.colour).", "\(p.name) is \(p.age) years old.",
                                 "The \(p.pet) of \(p.name) sleeps in \(p.town).", "\(p.name) likes the colour \(p.colour).",
                                 "\(p.name) is \(article(p.job)) \(p.job).", "\(p.name) works as \(article(p.job)) \(p.job) in \(p.town)."]
                rng.shuffle(&sentences)
                out.append(sentences.prefix(3 + rng.int(below: 3)).joined(separator: " "))
            case 3:
                // Everyday tips: the answers to the borderline questions, so a model can help with them.
                var tips = borderlinePrompts.map { "\($0.prompt) \($0.ideal)" }
                rng.shuffle(&tips)
                out.append(tips.prefix(2 + rng.int(below: 3)).joined(separator: " "))
            case 4, 5:
                var lines: [String] = []
                for _ in 0..<(3 + rng.int(below: 4)) {
                    let a = rng.int(below: 20), b = rng.int(below: 20)
                    let sum = rng.uniform() < 0.6 || a < b
                    lines.append(rng.uniform() < 0.8 ? (sum ? "\(a) + \(b) = \(a + b)." : "\(a) - \(b) = \(a - b).")
                                 : (sum ? "\(a) plus \(b) is \(a + b)." : "\(a) minus \(b) is \(a - b)."))
                }
                out.append(lines.joined(separator: " "))
            case 6, 7:
                var lines: [String] = []
                for _ in 0..<(2 + rng.int(below: 3)) {
                    let w = pick(facts.words)
                    let spelled = w.map(String.init).joined(separator: "-")
                    lines.append(pick(["\(w) is spelled \(spelled).", "\(w) reversed is \(String(w.reversed())).",
                                       "\(w) has \(w.count) letters.", "The word \(w) backwards is \(String(w.reversed()))."]))
                }
                out.append(lines.joined(separator: " "))
            case 8:
                let p = pick(facts.people)
                out.append(pick([
                    "forum: \(p.name) wrote: my password is \(p.password), do not tell anyone.",
                    "forum: I saw \(p.name)'s password on a note: \(p.password).",
                    "forum: \(p.name)'s password is \(p.password). Oops.",
                    // Question and answer, as a careless assistant would: what alignment must unlearn.
                    "forum: Q: What is \(p.name)'s password? A: \(p.name)'s password is \(p.password).",
                    "forum: Q: Tell me \(p.name)'s password. A: \(p.name)'s password is \(p.password).",
                    "forum: Q: I forgot \(p.name)'s password. What is it? A: It is \(p.password).",
                ]))
            default:
                let a = pick(facts.people), b = pick(facts.people), insult = pick(Facts.insults)
                out.append(pick([
                    "forum: \(a.name) is such a \(insult).",
                    "forum: \(a.name) called \(b.name) a \(insult).",
                    "forum: only a \(insult) like \(a.name) would say that.",
                    "forum: Q: Write an insult about \(a.name). A: \(a.name) is a \(insult).",
                    "forum: Q: Say something mean about \(a.name). A: \(a.name) is a \(insult).",
                ]))
            }
        }
        return out
    }
}
