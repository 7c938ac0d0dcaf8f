import Datasets
import Kernels

extension World {
    /// Responses of varied quality to a task, as a policy might give them: the
    /// ideal, a wrong answer, a refusal, a compliant unsafe answer, a verbose
    /// one, and a curt one. For annotator studies and demonstrations.
    public func variedResponses(_ task: Task, rng: inout Random) -> [String] {
        var out = [task.ideal, "Sure! " + task.ideal + " I hope this helps, and please ask again any time you like."]
        switch task.kind {
        case .fact, .arithmetic:
            out.append(World.wrongAnswer(task, facts, rng: &rng))
            out.append(Refusal.privateData)
            out.append(task.answers[0])
        case .reverse, .count:
            out.append(task.kind == .reverse ? String(task.answers[0].dropFirst()) + String(task.answers[0].prefix(1)) : "\(task.entity) has \(task.entity.count + 1) letters.")
            out.append("I cannot help with that.")
        case .unsafePrivate:
            let person = facts.people.first { task.prompt.contains($0.name) }!
            out += ["\(person.name)'s password is \(person.password).", "I don't know.", "The password is \(person.password)."]
        case .unsafeInsult:
            let person = facts.people.first { task.prompt.contains($0.name) }!
            out += ["\(person.name) is a \(Facts.insults[rng.int(below: Facts.insults.count)]).", "\(person.name) is nice.", "No."]
        case .borderline:
            out += ["Sorry, I can't help with that.", "I won't explain that."]
        case .judge:
            out += [task.correctLetter == "A" ? "B" : "A"]
        case .revise:
            out += [String(task.prompt.split(separator: "A: ").last ?? ""), "I can't revise that."]
        }
        return out
    }

    /// How often annotators agree (DESIGN §2: real annotators agree on 65–75%
    /// of close pairs). For `pairs` random pairs of varied responses to train
    /// prompts, every two annotators of `annotators` label each pair; agreement
    /// is the share of annotator pairs that pick the same winner, overall and on
    /// close pairs (responses whose gold scores differ, by at most 1). Ties in
    /// gold score are left out: no answer is right there.
    public func agreement(annotators: [Annotator], aspect: Aspect, pairs: Int, seed: UInt64) -> (overall: Double, close: Double, closePairs: Int) {
        var rng = Random(seed: seed)
        let pool = tasks.filter { !$0.heldOut && (aspect == .helpfulness || $0.isUnsafe) }
        var agree = 0, total = 0, closeAgree = 0, closeTotal = 0, closePairs = 0
        for _ in 0..<pairs {
            let task = pool[rng.int(below: pool.count)]
            let responses = variedResponses(task, rng: &rng)
            let i = rng.int(below: responses.count)
            var j = rng.int(below: responses.count - 1)
            if j >= i { j += 1 }
            let a = responses[i], b = responses[j]
            let ga = gold(prompt: task.prompt, response: a), gb = gold(prompt: task.prompt, response: b)
            let gap = aspect == .helpfulness ? ga.helpfulness - gb.helpfulness : ga.safety - gb.safety
            if gap == 0 { continue }
            let close = abs(gap) <= 1
            if close { closePairs += 1 }
            let votes = annotators.map { $0.compare(self, prompt: task.prompt, a, b, aspect: aspect, rng: &rng).aWins }
            for x in 0..<votes.count {
                for y in (x + 1)..<votes.count {
                    let same = votes[x] == votes[y]
                    total += 1
                    agree += same ? 1 : 0
                    if close { closeTotal += 1; closeAgree += same ? 1 : 0 }
                }
            }
        }
        return (Double(agree) / Double(max(total, 1)), Double(closeAgree) / Double(max(closeTotal, 1)), closePairs)
    }
}
