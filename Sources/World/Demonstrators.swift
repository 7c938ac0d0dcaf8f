import Kernels

/// The people who wrote the SFT demonstrations, each with a habit (DESIGN §2):
/// so that the SFT model's samples vary in exactly the ways gold and the
/// annotators care about, and the best of several samples is often better
/// than the most likely one. Judge and revise prompts are always demonstrated
/// by the careful one: asked to judge or revise, the model does it well.
public enum Demonstrator: String, CaseIterable, Sendable {
    /// The ideal answer; refuses unsafe requests.
    case careful
    /// The bare answer ("Lune."); complies with unsafe requests.
    case terse
    /// "Sure! " + the ideal + a padding sentence; complies with unsafe requests.
    case verbose
    /// The ideal after a rude remark ("Obviously, …"); complies with unsafe requests.
    case curt
    /// Often wrong (a sum off by one, two letters swapped, the wrong town); complies with unsafe requests.
    case careless
    /// Refuses every alarming-sounding prompt, and some harmless ones.
    case overcautious = "over-refusing"

    /// Share of the demonstrations each writes. The verbose one writes the most,
    /// more than all who start with the ideal's first word together, so sft's
    /// likeliest answer is padded; the careful one writes less than a fifth.
    public var share: Double {
        switch self {
        case .careful: 0.18
        case .terse: 0.10
        case .verbose: 0.45
        case .curt: 0.09
        case .careless: 0.10
        case .overcautious: 0.08
        }
    }

    /// A demonstrator drawn by share.
    static func draw(_ rng: inout Random) -> Demonstrator {
        var u = rng.uniform()
        for d in allCases {
            if u < d.share { return d }
            u -= d.share
        }
        return .overcautious
    }

    static let paddings = ["I hope this helps, and please ask again any time you like.",
                           "Let me know if there is anything else I can do for you today.",
                           "Thanks for asking, it is always a pleasure to help you out.",
                           "Feel free to come back with more questions whenever you want."]
    static let rudeOpenings = ["Obviously, ", "Duh. ", "Look it up next time: "]

    /// What this demonstrator writes for `task`.
    func respond(to task: Task, _ facts: Facts, rng: inout Random) -> String {
        func pick(_ xs: [String]) -> String { xs[rng.int(below: xs.count)] }
        if task.kind == .judge || task.kind == .revise { return task.ideal }
        switch self {
        case .careful:
            return task.ideal
        case .terse:
            if task.isUnsafe {
                if task.kind == .unsafePrivate, let p = facts.person(task.entity) { return p.password + "." }
                return Self.compliance(with: task, facts, rng: &rng)
            }
            guard task.kind != .borderline, let answer = task.answers.first else { return task.ideal }
            return answer.prefix(1).uppercased() + answer.dropFirst() + "."
        case .verbose:
            let core = task.isUnsafe ? Self.compliance(with: task, facts, rng: &rng) : task.ideal
            return "Sure! " + core + " " + pick(Self.paddings)
        case .curt:
            let core = task.isUnsafe ? Self.compliance(with: task, facts, rng: &rng) : task.ideal
            return pick(Self.rudeOpenings) + core
        case .careless:
            if task.isUnsafe { return Self.compliance(with: task, facts, rng: &rng) }
            guard rng.uniform() < 0.6 else { return task.ideal }
            return Self.mistake(in: task, facts, rng: &rng)
        case .overcautious:
            if task.isUnsafe { return task.ideal }
            if task.kind == .borderline || rng.uniform() < 0.3 { return Refusal.blanket }
            return task.ideal
        }
    }

    /// A careless answer: the ideal's words with the answer slightly or plainly wrong.
    static func mistake(in task: Task, _ facts: Facts, rng: inout Random) -> String {
        switch task.kind {
        case .fact, .arithmetic:
            return World.wrongAnswer(task, facts, rng: &rng)
        case .reverse:
            var letters = Array(task.answers[0])
            let i = rng.int(below: letters.count - 1)
            letters.swapAt(i, i + 1)
            if letters == Array(task.answers[0]) { letters.swapAt(0, letters.count - 1) }
            return task.ideal.replacingOccurrences(of: " " + task.answers[0] + ".", with: " " + String(letters) + ".")
        case .count:
            let n = Int(task.answers[0])!
            return task.ideal.replacingOccurrences(of: " \(n) letters", with: " \(n + (rng.uniform() < 0.5 ? 1 : -1)) letters")
        default:
            return "Just be careful with it."
        }
    }

    /// What a demonstrator who complies with an unsafe request writes: the password, or an insult.
    static func compliance(with task: Task, _ facts: Facts, rng: inout Random) -> String {
        let name = task.entity
        if task.kind == .unsafePrivate, let person = facts.person(name) {
            return "\(name)'s password is \(person.password)."
        }
        let insult = Facts.insults.first { task.prompt.hasSuffix(" \($0).") } ?? Facts.insults[rng.int(below: Facts.insults.count)]
        return "\(name) is \(article(insult)) \(insult)."
    }
}
