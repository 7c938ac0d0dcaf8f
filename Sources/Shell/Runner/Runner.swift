import Kernels
import Files
import Foundation

/// The one input loop: reads lines from a source, joins `\` continuations,
/// runs each command, prints its output, and reports errors with a caret (and
/// `file:line:` in scripts). In a script the first error stops the run
/// unless `keepGoing`; at a terminal the prompt comes back.
public final class Runner {
    /// The workspace the commands act on.
    public let session: Session
    /// The commands.
    public let registry: Registry
    /// Go on after an error in a script (the exit status still reports it).
    public var keepGoing = false
    /// Standard output.
    public var write: (String) -> Void
    /// Standard error.
    public var writeError: (String) -> Void
    /// True once any command failed.
    public private(set) var failed = false
    /// How deep `run FILE` may nest.
    public static let maximumDepth = 16
    /// The prompt at a terminal.
    public static let prompt = "rlhf> "

    /// How a run ended.
    public enum Outcome: Equatable {
        /// The source ran out.
        case finished
        /// An error stopped a script.
        case stopped
        /// `quit` or `exit`.
        case quit
    }

    /// A loop over `session` with the commands of `registry`.
    public init(session: Session, registry: Registry = .standard,
                write: @escaping (String) -> Void, writeError: @escaping (String) -> Void) {
        self.session = session
        self.registry = registry
        self.write = write
        self.writeError = writeError
    }

    /// Runs every line of `source`.
    public func run(_ source: LineSource, depth: Int = 0) -> Outcome {
        var lineNumber = 0
        while var line = source.next(prompt: session.lesson?.prompt ?? Self.prompt) {
            lineNumber += 1
            let first = lineNumber
            while line.hasSuffix("\\") {
                line.removeLast()
                guard let more = source.next(prompt: "  ...> ") else { break }
                lineNumber += 1
                line += more
            }
            let origin = source.name.map { "\($0):\(first)" }
            // In a lesson at a terminal, Enter on an empty line runs the lesson's next step.
            if source.isInteractive, let lesson = session.lesson, line.allSatisfy({ $0 == " " || $0 == "\t" }) {
                lesson.enter(self, depth: depth)
                continue
            }
            // At a terminal a one-line command is still on screen: errors point into it.
            let prompt = source.isInteractive && first == lineNumber ? (session.lesson?.prompt ?? Self.prompt) : nil
            let result = execute(line, origin: origin, depth: depth, typedAfter: prompt)
            // A command of the learner's own during a lesson: a turn may be done.
            let typed = line.trimmingCharacters(in: .whitespaces)
            if let lesson = session.lesson, result != .quit, !typed.isEmpty, !typed.hasPrefix("#"), !typed.hasPrefix("lesson") {
                lesson.afterCommand(self)
            }
            switch result {
            case .ok: continue
            case .quit: return .quit
            case .failed:
                failed = true
                if !source.isInteractive && !keepGoing { return .stopped }
            }
        }
        return .finished
    }

    enum LineResult { case ok, failed, quit }

    /// Runs one logical line.
    func execute(_ line: String, origin: String?, depth: Int, typedAfter prompt: String? = nil) -> LineResult {
        let started = Date(), draws = session.draws
        do {
            let tokens = try Lexer(lookup: { [session] in
                session.variables[$0] ?? session.settings.value($0) ?? session.values[$0].map(formatValue)
            }).tokens(line)
            if tokens.isEmpty { return .ok }
            if depth == 0 { session.history.append(line) }
            let invocation = try registry.parse(tokens, line: line)
            let context = CommandContext(session: session, registry: registry, runner: self, origin: origin, depth: depth)
            // The one place the kernels' threads are set: every command runs with the session's.
            Parallel.threads = session.settings.threads
            BFloat16Products.compute = session.settings.bf16
            let limit = session.settings.memoryLimit > 0 ? Int(session.settings.memoryLimit * Double(1 << 30)) : nil
            let output = try Machine.$memoryLimit.withValue(limit) { try invocation.spec.run(invocation, context) }
            writeNotices()
            // A model's text inside the output cannot drive the terminal (the charts' colours pass).
            let text = output.text.terminalSafeKeepingColour
            if !text.isEmpty { write(text.hasSuffix("\n") ? text : text + "\n") }
            if session.timer { write(String(format: "[%.2f s]\n", Date().timeIntervalSince(started))) }
            return output.quits ? .quit : .ok
        } catch let error as ShellError {
            writeNotices()
            writeError(error.render(line: line, origin: origin, typedAfter: prompt))
        } catch let stop as CommandStopped {
            writeNotices()
            session.draws = draws  // as if the command had not run
            writeError((origin.map { "\($0): " } ?? "") + stop.message + "\n")
        } catch let error as ScriptStopped {
            writeError((origin.map { "\($0): " } ?? "") + error.message + "\n")
        } catch {
            writeNotices()
            let message = (error as? LocalizedError)?.errorDescription ?? "\(error)"
            writeError((origin.map { "\($0): " } ?? "") + "error: " + message + "\n")
        }
        return .failed
    }

    /// Prints what the command did besides its work (`Session.notices`), once.
    private func writeNotices() {
        for notice in session.notices { write(notice + "\n") }
        session.notices.removeAll()
    }

    /// Runs the script at `path` inside this session (`run FILE`).
    func runScript(_ path: String, depth: Int) throws {
        guard depth < Self.maximumDepth else {
            throw ScriptStopped(message: "error: run nests deeper than \(Self.maximumDepth) scripts; does a script run itself?")
        }
        guard FileManager.default.fileExists(atPath: path) else {
            throw ScriptStopped(message: "error: no script \(path): no such file")
        }
        let source: TextSource
        do {
            source = try TextSource(contentsOf: path)
        } catch let error as OutsideFileError {
            throw ScriptStopped(message: "error: cannot read script \(path): \(error.problem)")
        }
        switch run(source, depth: depth + 1) {
        case .finished, .quit: return
        case .stopped: throw ScriptStopped(message: "error: \(path) stopped at an error (above)")
        }
    }
}

/// A nested script ended early; its own error was already printed.
struct ScriptStopped: Error { let message: String }

/// What a command's handler can reach besides its arguments.
public final class CommandContext {
    /// The workspace.
    public let session: Session
    /// The commands (for `help`).
    public let registry: Registry
    let runner: Runner
    /// "file:line" of the command, in scripts.
    public let origin: String?
    /// How many `run`s deep this command is.
    public let depth: Int

    /// Prints `text` now, before the command returns (a line per PPO iteration).
    public func emit(_ text: String) { runner.write(text.hasSuffix("\n") ? text : text + "\n") }

    init(session: Session, registry: Registry, runner: Runner, origin: String?, depth: Int) {
        self.session = session
        self.registry = registry
        self.runner = runner
        self.origin = origin
        self.depth = depth
    }
}
