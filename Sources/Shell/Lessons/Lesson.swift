import Foundation

/// A lesson: narrative and commands in the order the learner meets them,
/// read from a file in `lessons/` (so the texts are reviewed like code).
///
/// The format, a line at a time:
///
///     # Title                  the first line; then `# stage: …`, `# time: …`, `# source: …`
///     > text                   narrative (consecutive lines are one paragraph; `>` alone breaks it)
///     COMMAND                  a step: the learner presses Enter to run it (expect lines run by themselves)
///     turn: TASK               a "your turn" step, followed by
///     check: VALUE OP NUMBER   what must hold afterwards (as expect reads it)
///     answer: COMMAND          what `lesson skip` and auto mode run (one line each, in order)
///     why: TEXT                what happened and why, said once the check holds
///
/// Other lines starting with `#` are comments; blank lines separate.
struct Lesson: Sendable {
    /// A "your turn" step.
    struct Turn: Sendable {
        var task: String
        var check: String
        var answer: [String]
        var why: String
    }

    enum Step: Sendable {
        /// A paragraph of narrative.
        case say(String)
        /// A command the learner runs with Enter; an `expect` line runs by itself.
        case run(String)
        case turn(Turn)
    }

    /// Its number (from the file name, 01-…) and its name (the rest of the file name).
    var number: Int
    var name: String
    var title: String
    var stage: String
    var time: String
    var source: String
    var steps: [Step]

    /// The steps a learner counts: commands they run (not expect lines) and turns.
    var countedSteps: Int { steps.filter(\.isCounted).count }

    /// The counted step (from 1) the learner is at with `position` steps done.
    func stepNumber(at position: Int) -> Int { steps.prefix(position).filter(\.isCounted).count + 1 }

    /// What went wrong reading a lesson file, with the line.
    struct FormatError: Error, CustomStringConvertible {
        var line: Int
        var message: String
        var description: String { "line \(line): \(message)" }
    }

    /// Reads a lesson from its text; `number` and `name` come from its file name.
    init(number: Int, name: String, text: String) throws(FormatError) {
        self.number = number
        self.name = name
        var title = "", stage = "", time = "", source = ""
        var steps: [Step] = [], paragraph: [String] = [], turn: Turn?
        func flush() {
            if !paragraph.isEmpty { steps.append(.say(paragraph.joined(separator: " "))) }
            paragraph = []
        }
        func closeTurn(at line: Int) throws(FormatError) {
            guard let t = turn else { return }
            guard !t.check.isEmpty, !t.answer.isEmpty else {
                throw FormatError(line: line, message: "a turn needs check: and answer: lines")
            }
            steps.append(.turn(t))
            turn = nil
        }
        for (i, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces), number = i + 1
            func field(_ key: String) -> String? {
                line.hasPrefix(key + ":") ? line.dropFirst(key.count + 1).trimmingCharacters(in: .whitespaces) : nil
            }
            if line.hasPrefix("#") {
                let body = line.drop { $0 == "#" }.trimmingCharacters(in: .whitespaces)
                if title.isEmpty && steps.isEmpty && paragraph.isEmpty { title = body; continue }
                for (key, store) in [("stage:", { stage = $0 }), ("time:", { time = $0 }), ("source:", { source = $0 })] as [(String, (String) -> Void)]
                where body.hasPrefix(key) {
                    store(body.dropFirst(key.count).trimmingCharacters(in: .whitespaces))
                }
                continue
            }
            if turn != nil {
                if let v = field("check") { turn!.check = v; continue }
                if let v = field("answer") { turn!.answer.append(v); continue }
                if let v = field("why") { turn!.why = v; continue }
                try closeTurn(at: number)
            }
            if line.isEmpty { flush(); continue }
            if line.hasPrefix(">") {
                let words = line.dropFirst().trimmingCharacters(in: .whitespaces)
                if words.isEmpty { flush() } else { paragraph.append(words) }
                continue
            }
            flush()
            if let task = field("turn") {
                turn = Turn(task: task, check: "", answer: [], why: "")
                continue
            }
            for key in ["check", "answer", "why"] where field(key) != nil {
                throw FormatError(line: number, message: "\(key): belongs to a turn: (write turn: first)")
            }
            steps.append(.run(line))
        }
        try closeTurn(at: text.split(separator: "\n", omittingEmptySubsequences: false).count)
        flush()
        guard !title.isEmpty else { throw FormatError(line: 1, message: "a lesson starts with its title: # Title") }
        (self.title, self.stage, self.time, self.source, self.steps) = (title, stage, time, source, steps)
    }
}

extension Lesson.Step {
    /// A command the learner runs, or a turn (narrative and expect lines are not counted).
    var isCounted: Bool {
        switch self {
        case .say: false
        case let .run(line): !Lesson.isCheck(line)
        case .turn: true
        }
    }
}

extension Lesson {
    /// An `expect` line: it runs by itself, right after the command before it.
    static func isCheck(_ line: String) -> Bool { line.hasPrefix("expect ") }
}
