import Foundation

/// A lesson under way in a session: where the learner is, and what Enter,
/// their own commands and `lesson skip` do there.
final class LessonRun {
    let lesson: Lesson
    /// The index of the next step.
    private(set) var position: Int
    /// Where progress is recorded.
    var progress: LessonProgress

    init(_ lesson: Lesson, at position: Int = 0, progress: LessonProgress) {
        self.lesson = lesson
        self.position = position
        self.progress = progress
    }

    /// The prompt while the lesson runs: "lesson 4 · 3/9> ".
    var prompt: String { "lesson \(lesson.number) · \(min(stepNumber, lesson.countedSteps))/\(lesson.countedSteps)> " }

    /// The counted step the learner is at, from 1.
    var stepNumber: Int { lesson.stepNumber(at: position) }

    var isFinished: Bool { position >= lesson.steps.count }

    /// The step the learner acts on next.
    private var current: Lesson.Step? { isFinished ? nil : lesson.steps[position] }

    // MARK: - Interactive

    /// Prints the narrative up to the next step the learner acts on, running
    /// expect lines on the way (they check the command before them); then
    /// shows that step. At the end, closes the lesson.
    func showNext(_ runner: Runner) {
        while let step = current {
            switch step {
            case let .say(text):
                runner.write(Commands.wrap(text, indent: 0) + "\n")
                advance()
            case let .run(line) where Lesson.isCheck(line):
                if case let (false, message?) = holds(String(line.dropFirst("expect ".count)), runner) {
                    runner.write("  (the lesson expected \(line.dropFirst("expect ".count)); \(message))\n")
                }
                advance()
            case let .run(line):
                runner.write("next: \(line)\n      (Enter runs it; or type a command of your own first)\n")
                return
            case let .turn(turn):
                runner.write(Commands.wrap("your turn: " + turn.task, indent: 0) + "\n"
                    + "      (type your commands; the lesson goes on once \(turn.check); lesson skip runs the answer)\n")
                return
            }
        }
        finish(runner)
    }

    /// Enter at the prompt: runs the command shown, or repeats a turn's task.
    func enter(_ runner: Runner, depth: Int) {
        switch current {
        case let .run(line):
            runner.write("rlhf> \(line)\n")
            if runner.execute(line, origin: nil, depth: depth) == .failed {
                runner.write("(that failed; fix what it says, or press Enter to try it again)\n")
                return
            }
            advance()
            showNext(runner)
        default:
            showNext(runner)  // a turn: its task again
        }
    }

    /// After a command of the learner's own: in a turn, whether its check now holds.
    func afterCommand(_ runner: Runner) {
        guard case let .turn(turn) = current else {
            if case let .run(line) = current { runner.write("(lesson \(lesson.number): Enter runs \(line))\n") }
            return
        }
        let (ok, message) = holds(turn.check, runner)
        if ok {
            runner.write(Commands.wrap("✓ " + turn.why, indent: 0) + "\n")
            advance()
            showNext(runner)
        } else {
            runner.write("not yet: \(message ?? turn.check)\n")
        }
    }

    /// `lesson skip`: a turn's answer, run for the learner.
    func skip(_ runner: Runner, depth: Int) {
        guard case let .turn(turn) = current else { return enter(runner, depth: depth) }
        for line in turn.answer {
            runner.write("rlhf> \(line)\n")
            guard runner.execute(line, origin: nil, depth: depth) != .failed else { return }
        }
        afterCommand(runner)
    }

    // MARK: - Unattended

    /// Runs every remaining step: the commands, each turn's answer and its
    /// check; a failure is an error naming the lesson and the step.
    func runAuto(_ runner: Runner, depth: Int, quiet: Bool = false) throws {
        while let step = current {
            let where_ = "lesson \(lesson.number), step \(stepNumber)"
            /// Runs one command line as the learner would, or stops the lesson with `failure`.
            func run(_ line: String, failure: String) throws {
                if !quiet { runner.write("rlhf> \(line)\n") }
                guard runner.execute(line, origin: "lesson \(lesson.number)", depth: depth) != .failed else {
                    throw ScriptStopped(message: "error: \(where_)\(failure): \(line)")
                }
            }
            switch step {
            case let .say(text):
                if !quiet { runner.write(Commands.wrap(text, indent: 0) + "\n") }
            case let .run(line):
                try run(line, failure: " failed")
            case let .turn(turn):
                if !quiet { runner.write(Commands.wrap("your turn: " + turn.task, indent: 0) + "\n") }
                for line in turn.answer { try run(line, failure: ": the turn's answer failed") }
                let (ok, message) = holds(turn.check, runner)
                guard ok else { throw ScriptStopped(message: "error: \(where_): the turn's check failed: \(message ?? turn.check)") }
                if !quiet { runner.write(Commands.wrap("✓ " + turn.why, indent: 0) + "\n") }
            }
            advance()
        }
        if !quiet { finish(runner) }
    }

    /// Runs the steps before `position` without a word (a resumed lesson rebuilds its session).
    func replay(to target: Int, _ runner: Runner, depth: Int) throws {
        let saved = runner.write
        runner.write = { _ in }
        defer { runner.write = saved }
        let upTo = LessonRun(Lesson(copying: lesson, steps: Array(lesson.steps.prefix(target))), progress: LessonProgress(path: nil))
        try upTo.runAuto(runner, depth: depth, quiet: true)
        position = target
    }

    // MARK: - Pieces

    private func advance() {
        position += 1
        progress.record(lesson.number, at: position)
    }

    private func finish(_ runner: Runner) {
        runner.write("lesson \(lesson.number) done: \(lesson.title)" + (lesson.source.isEmpty ? "" : "\nsource: \(lesson.source)") + "\n")
        progress.record(lesson.number, at: lesson.steps.count)
        if runner.session.lesson === self { runner.session.lesson = nil }
    }

    /// Whether `condition` (VALUE OP NUMBER, as expect reads it) holds now, and if not, why.
    func holds(_ condition: String, _ runner: Runner) -> (Bool, String?) {
        let line = "expect " + condition
        do {
            let tokens = try Lexer(lookup: { runner.session.variables[$0] }).tokens(line)
            let invocation = try runner.registry.parse(tokens, line: line)
            let context = CommandContext(session: runner.session, registry: runner.registry, runner: runner, origin: nil, depth: 1)
            _ = try invocation.spec.run(invocation, context)
            return (true, nil)
        } catch let error as ShellError {
            return (false, error.message.replacingOccurrences(of: "expect failed: ", with: ""))
        } catch {
            return (false, "\(error)")
        }
    }
}

extension Lesson {
    /// The same lesson with other steps (the part of it a resumed lesson replays).
    init(copying other: Lesson, steps: [Step]) {
        self = other
        self.steps = steps
    }
}
