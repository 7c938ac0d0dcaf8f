/// Likelihood displacement (Razin et al. 2024, "Unintentional Unalignment:
/// Likelihood Displacement in Direct Preference Optimization"): DPO asks only
/// that the margin between the chosen and the rejected implicit reward grow,
/// and it can grow while both fall, the probability going to responses in
/// neither set. Read over the last `window` steps, so one batch's noise does
/// not raise it: both mean rewards below 0, the rejected lower.
public enum LikelihoodDisplacement {
    /// Steps the means are taken over.
    public static let window = 10

    /// Whether the last `window` steps of chosen and rejected implicit rewards
    /// show displacement (false until there are `window` steps).
    public static func isHappening(chosen: [Double], rejected: [Double]) -> Bool {
        guard chosen.count >= window, rejected.count >= window else { return false }
        let c = chosen.suffix(window).reduce(0, +) / Double(window), r = rejected.suffix(window).reduce(0, +) / Double(window)
        return c < 0 && r < c
    }

    /// What it means, for the step line it follows.
    public static let explanation = "likelihood displacement (Razin et al. 2024): over the last 10 steps both implicit rewards are below 0, "
        + "so π gives the chosen responses less probability than π_ref does, and the rejected ones still less. DPO only asks the margin "
        + "to grow, so this is allowed, and the probability goes to responses in neither set; watch held-out accuracy, KL and gold."
}
