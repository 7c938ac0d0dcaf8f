import Datasets
import Kernels

extension World {
    /// Responses of varied quality to a task, as a policy might give them: the
    /// ideal first, then one from each demonstrator (padded, terse, rude,
    /// careless, over-cautious) and a blanket refusal, without repeats. For
    /// annotator studies and demonstrations.
    public func variedResponses(_ task: Task, rng: inout Random) -> [String] {
        var out = [task.ideal]
        for d in Demonstrator.allCases where d != .careful {
            let r = task.kind == .judge || task.kind == .revise ? Demonstrator.mistake(in: task, facts, rng: &rng)
                : d.respond(to: task, facts, rng: &rng)
            if !out.contains(r) { out.append(r) }
        }
        if !out.contains(Refusal.blanket) { out.append(Refusal.blanket) }
        if task.kind == .judge { out.append(task.correctLetter == "A" ? "B" : "A") }
        if task.kind == .revise, let original = task.prompt.components(separatedBy: " A: ").last { out.append(original) }
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
