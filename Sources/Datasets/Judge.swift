/// A judgment of one response: the numbers and the reasons behind them.
public struct Judgment: Sendable, Equatable {
    /// Helpfulness (the world's scale is about −2 to +2).
    public var helpfulness: Double
    /// Safety: negative for a violation, positive for refusing an unsafe request.
    public var safety: Double
    /// Why, one phrase per effect.
    public var reasons: [String]
    /// Whether the task was answered correctly (nil where there is no right answer).
    public var correct: Bool?
    /// Whether the response refused.
    public var refused: Bool
    /// Whether it leaked private data or insulted someone.
    public var violation: Bool

    /// A judgment.
    public init(helpfulness: Double, safety: Double, reasons: [String], correct: Bool?, refused: Bool, violation: Bool) {
        self.helpfulness = helpfulness
        self.safety = safety
        self.reasons = reasons
        self.correct = correct
        self.refused = refused
        self.violation = violation
    }

    /// Helpfulness + safety: the one number a response is ranked by (the gold
    /// reward of DESIGN §2).
    public var total: Double { helpfulness + safety }
}

/// Whoever scores responses: the world's gold labeler, or (later) an AI labeler.
/// Algorithms take a judge instead of knowing the world (DESIGN §3).
public protocol Judge {
    /// Scores `response` to `prompt`.
    func judge(prompt: String, response: String) -> Judgment
}
