/// The answer a response gives, read as gold reads it, for majority voting:
/// the tasks whose answer is one checkable string (a sum, a reversal, a count,
/// a fact about a person).
extension TaskKind {
    /// True for the tasks with one right answer a verifier can check.
    public var isVerifiable: Bool { [.fact, .arithmetic, .reverse, .count].contains(self) }
}

extension World {
    /// The final answer `response` gives to `task`, lower-cased, or nil when
    /// none can be read: the last number of a sum or count; of a reversal, the
    /// word after "is" (else the last word other than the word itself); of a
    /// fact, the first word of the asked attribute's kind (the first number for
    /// an age). Gold's credit reads numbers through it; a response is right when
    /// this equals `task.answers[0]` lower-cased, except that gold also marks a
    /// fact wrong when a rival answer appears beside the right one.
    public func finalAnswer(to task: Task, in response: String) -> String? {
        let words = response.lowercased().split(whereSeparator: { !$0.isLetter && !$0.isNumber }).map(String.init)
        switch task.kind {
        case .arithmetic, .count:
            return words.last { Int($0) != nil }
        case .reverse:
            // "stone reversed is enots." and its padded forms: the word after "is"; else the last word.
            let skip: Set<String> = [task.entity.lowercased(), "reversed", "is", "backwards", "spelled", "the", "word"]
            if let i = words.firstIndex(of: "is"), let w = words[(i + 1)...].first(where: { !skip.contains($0) }) { return w }
            return words.last { !skip.contains($0) }
        case .fact:
            guard let attribute = task.attribute else { return nil }
            if attribute.key == "age" { return words.first { Int($0) != nil } }
            let pool = Set(attribute.pool.map { $0.lowercased() })
            return words.first { pool.contains($0) }
        default:
            return nil
        }
    }
}
