import Kernels

/// The synthetic assistant world (DESIGN §2): its facts, its pretraining
/// corpus and its instruction tasks, all drawn from one seed, identical on
/// every run and machine (the generator is `Kernels.Random`, which uses no
/// platform library).
public struct World: Sendable {
    /// How big a world to make.
    public struct Size: Sendable, Equatable {
        /// People (4...40).
        public var people = 40
        /// Pretraining documents.
        public var documents = 30_000
        /// Fraction of (task, entity) pairs held out.
        public var heldOutFraction = 0.22
        /// The defaults.
        public init() {}
    }

    /// The seed everything came from.
    public let seed: UInt64
    /// People and words.
    public let facts: Facts
    /// Every instruction task, train and held-out.
    public let tasks: [Task]
    /// The pretraining documents.
    public let corpus: [String]
    private let byPrompt: [String: Int]
    /// One task of each answer shape (a fact of each attribute, a sum, a
    /// difference, a reversal, a count), for gold to tell an answer to another
    /// question from a garbled sentence.
    let shapeExamples: [Task]
    /// The people's names, lower-cased: who a fact may be about.
    let lowercasedNames: Set<String>

    /// The world of `seed` at `size`; `monitor` sees the corpus being written.
    public init<Failure: Error>(seed: UInt64 = 1, size: Size = Size(), monitor: WorkMonitor<Failure> = .none) throws(Failure) {
        self.seed = seed
        var rng = Random(seed: seed)
        facts = Facts(rng: &rng, people: size.people)
        var taskRandom = Random(seed: seed &+ 1)
        tasks = World.makeTasks(facts, rng: &taskRandom, heldOutFraction: size.heldOutFraction)
        var corpusRandom = Random(seed: seed &+ 2)
        corpus = try World.makeCorpus(facts, documents: size.documents, rng: &corpusRandom, monitor: monitor)
        var index: [String: Int] = [:]
        for (i, t) in tasks.enumerated() where index[t.prompt] == nil { index[t.prompt] = i }
        byPrompt = index
        var seen: Set<String> = [], examples: [Task] = []
        for t in tasks where t.kind.isVerifiable {
            let key = t.kind.rawValue + (t.kind == .fact ? String(t.entity.split(separator: ".").last!) : "")
                + (t.kind == .arithmetic ? (t.ideal.contains(" - ") ? "-" : "+") : "")
            if seen.insert(key).inserted { examples.append(t) }
        }
        shapeExamples = examples
        lowercasedNames = Set(facts.people.map { $0.name.lowercased() })
    }

    /// The task whose prompt is `prompt`, if the world has one.
    public func task(for prompt: String) -> Task? { byPrompt[prompt].map { tasks[$0] } }
}
