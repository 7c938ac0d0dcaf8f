import Foundation

extension Commands {
    static let lesson = CommandSpec(
        "lesson",
        arguments: [.argument("WHICH", .string, "a lesson's number or name; or next, skip, stop, list", required: false),
                    .argument("MODE", .choice(["auto"]), "auto: run the whole lesson unattended", required: false)],
        summary: "learn the pipeline step by step: list the lessons, start one, or resume where you stopped",
        help: """
            The lessons walk the pipeline in its order, each a few minutes on two \
            cores on the bundled world and models. lesson N starts lesson N: read \
            the passage, see the next command, press Enter to run it (or type a \
            command of your own first, then Enter). A \"your turn\" step asks you to \
            change one knob and predict; it goes on once the session's value shows \
            the change (as expect checks it), and says what happened and why; \
            lesson skip runs the answer. The prompt shows where you are (lesson 4 · \
            3/9>). lesson alone resumes the lesson you stopped in (replaying its \
            earlier steps, since a new session starts empty), or lists them; \
            progress is kept in $RLHF_HOME/lesson-progress or ~/.rlhf/lesson-progress. \
            lesson N auto runs one unattended (CI runs every lesson so). lesson stop \
            leaves the lesson; lesson next is Enter, for scripts.
            """,
        examples: ["lesson", "lesson list", "lesson 1", "lesson 2 auto", "lesson next", "lesson skip", "lesson stop"]
    ) { invocation, context in
        let s = context.session, runner = context.runner
        let which = invocation.arguments["WHICH"]
        switch which {
        case "next"?, "skip"?, "stop"?:
            guard let run = s.lesson else { throw invocation.error("no lesson is under way; lesson lists them, lesson N starts one", at: "WHICH") }
            if which == "stop" {
                s.lesson = nil
                return CommandOutput("left lesson \(run.lesson.number) at step \(run.stepNumber) of \(run.lesson.countedSteps); lesson resumes it")
            }
            if which == "next" { run.enter(runner, depth: context.depth) } else { run.skip(runner, depth: context.depth) }
            return CommandOutput()
        default: break
        }
        let found = LessonLibrary.find(s.roots)
        if let problem = found.problem { throw invocation.error("a lesson file is malformed: \(problem)") }
        guard let library = found.library, !library.lessons.isEmpty else {
            throw invocation.error("no lessons found; looked in " + found.looked.joined(separator: ", ")
                + ". Run the tool from its repository (scripts/rlhf), or set RLHF_HOME to a folder holding lessons/")
        }
        // A library given to the session (a test's) keeps no progress, and reads none.
        let progress = s.installRoots == nil ? LessonProgress.load() : LessonProgress(path: nil)
        guard let which, which != "list" else {
            // Alone: resume the lesson left in the middle, else list them.
            if which == nil, s.lesson == nil,
               let (number, step) = progress.positions.filter({ p in library.lesson(String(p.key)).map { p.value > 0 && p.value < $0.steps.count } ?? false })
                .max(by: { $0.key < $1.key }).map({ ($0.key, $0.value) }),
               let lesson = library.lesson(String(number)) {
                let run = LessonRun(lesson, progress: progress)
                context.emit("resuming lesson \(number), \(lesson.title): replaying its first steps (a new session starts empty) …")
                try run.replay(to: step, runner, depth: context.depth)
                s.lesson = run
                run.showNext(runner)
                return CommandOutput()
            }
            return CommandOutput(list(library, progress, under: s.lesson))
        }
        guard let lesson = library.lesson(which) else {
            let near = nearest(which, library.lessons.map(\.name)).map { "; did you mean lesson \($0)?" } ?? ""
            throw invocation.error("no lesson '\(which)'\(near) (lesson list shows them)", at: "WHICH")
        }
        let run = LessonRun(lesson, progress: progress)
        context.emit("lesson \(lesson.number): \(lesson.title)" + (lesson.time.isEmpty ? "" : " (\(lesson.time))"))
        if invocation.arguments["MODE"] == "auto" {
            try run.runAuto(runner, depth: context.depth)
            return CommandOutput()
        }
        s.lesson = run
        run.showNext(runner)
        return CommandOutput()
    }

    /// The lessons grouped by stage, the stages in the order the story first
    /// reaches them, with each one's state: done, where the learner is, or new.
    static func list(_ library: LessonLibrary, _ progress: LessonProgress, under current: LessonRun?) -> String {
        var out = "lessons (lesson N starts one, lesson N auto runs it unattended; take them in their numbers' order):\n"
        var stages: [String] = []
        for lesson in library.lessons where !stages.contains(lesson.stage) { stages.append(lesson.stage) }
        for stage in stages {
            out += "\(stage.isEmpty ? "other" : stage):\n"
            for lesson in library.lessons where lesson.stage == stage { out += line(lesson) }
        }
        return out
        func line(_ lesson: Lesson) -> String {
            let at = progress.positions[lesson.number] ?? 0
            let state = current?.lesson.number == lesson.number ? "under way"
                : at >= lesson.steps.count ? "done" : at > 0 ? "stopped at step \(lesson.stepNumber(at: at))" : ""
            return String(format: "  %2d  %@", lesson.number, lesson.title)
                + (lesson.time.isEmpty ? "" : " (\(lesson.time))") + (state.isEmpty ? "" : " [\(state)]") + "\n"
        }
    }
}
