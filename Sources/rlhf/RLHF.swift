import ArgumentParser
import Files
import Foundation
import Kernels
import Shell

/// `rlhf`: the REPL and script runner.
@main
struct RLHF: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rlhf",
        abstract: "The LLM alignment pipeline, step by step: a REPL and scripting shell.",
        discussion: "With no FILE, opens the REPL (or reads a script from piped standard input). Type `help` inside.")

    @Argument(help: "Scripts to replay, in order.", completion: .file())
    var files: [String] = []

    @Option(name: .customShort("c"), help: "Run these commands (separated by ;) and exit.")
    var command: String?

    @Flag(name: .customShort("i"), help: "Stay interactive after the scripts.")
    var interactive = false

    @Option(help: "The session seed.")
    var seed: UInt64?

    @Flag(help: "Go on after an error in a script (the exit status is still 1).")
    var keepGoing = false

    @Flag(help: "No progress output.")
    var quiet = false

    @Flag(help: "Plain ASCII output (also when NO_COLOR is set).")
    var noColor = false

    @Option(help: "Load every model directory in this folder at the start, and find its models by name in `load model NAME`; may be repeated, searched in order (scripts/rlhf gives the bundled models/).")
    var models: [String] = []

    static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            if let code = (error as? ExitCode) { Foundation.exit(code.rawValue) }
            let message = fullMessage(for: error)
            let isHelp = exitCode(for: error) == .success
            FileHandle(fileDescriptor: isHelp ? 1 : 2).write(Data((message + "\n").utf8))
            Foundation.exit(isHelp ? 0 : 2)
        }
    }

    mutating func run() throws {
        Interrupt.install()
        // A BLAS kernel narrower than the CPU (SSE3 on AVX-512) is said at once, in every mode.
        if let problem = BLAS.status.mismatch(on: Machine.cpu) {
            FileHandle.standardError.write(Data("warning: \(problem)\n".utf8))
        }
        let environment = ProcessInfo.processInfo.environment
        let session = Session()
        if let seed { session.settings.seed = seed }
        let terminal = isatty(1) == 1 && (environment["TERM"] ?? "") != "dumb"
        session.asciiOnly = noColor || environment["NO_COLOR"] != nil || !terminal
        session.isCancelled = { Interrupt.isSet }
        session.progress = quiet ? SilentProgress() : TerminalProgress(isTerminal: isatty(2) == 1, ascii: session.asciiOnly)
        let runner = Runner(session: session,
                            write: { FileHandle.standardOutput.write(Data($0.utf8)) },
                            writeError: { FileHandle.standardError.write(Data($0.utf8)) })
        runner.keepGoing = keepGoing
        session.modelFolders = models
        var loaded: [String] = []
        for folder in models {
            // Hidden entries are not models (a killed save leaves .NAME.rlhf-save-…);
            // a name in an earlier folder wins, as it does for load model NAME.
            let names = ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).sorted()
                .filter { !$0.hasPrefix(".") && FileManager.default.fileExists(atPath: folder + "/" + $0 + "/config.json") }
            for name in names where session.models[name] == nil {
                // Through the shell's own command, so errors read as everywhere else.
                var errors = ""
                let quiet = Runner(session: session, write: { _ in }, writeError: { errors += $0 })
                _ = quiet.run(TextSource("load model \(name) \"\(folder)/\(name)\"", name: nil))
                if errors.isEmpty { loaded.append(name) } else { FileHandle.standardError.write(Data(errors.utf8)) }
            }
        }
        func finish(_ outcome: Runner.Outcome) -> Never {
            Foundation.exit(runner.failed ? 1 : 0)
        }
        if let command {
            let outcome = runner.run(TextSource(splitCommands(command).joined(separator: "\n"), name: "-c"))
            if outcome != .finished || !interactive && files.isEmpty { finish(outcome) }
        }
        for file in files {
            let source: TextSource
            do {
                source = try TextSource(contentsOf: file)
            } catch {
                let problem = (error as? OutsideFileError)?.problem ?? "\(error)"
                FileHandle.standardError.write(Data("rlhf: cannot read script \(file): \(problem)\n".utf8))
                Foundation.exit(2)
            }
            let outcome = runner.run(source)
            if outcome != .finished { finish(outcome) }
        }
        if (!files.isEmpty || command != nil) && !interactive { finish(.finished) }
        if isatty(0) == 1 {
            let home = environment["HOME"] ?? "."
            let historyFile = environment["RLHF_HISTORY"] ?? (home + "/.rlhf_history")
            print("rlhf 0.1 — the LLM alignment pipeline, step by step.   lesson · help · explain · quit")
            print("engine: \(Machine.cpu.summary); \(BLAS.status.summary.split(separator: ",").prefix(2).joined(separator: ","))   (about)")
            if !loaded.isEmpty {
                print("loaded models: " + loaded.map { "\($0) (\(session.models[$0].map { String(format: "%.1fM", Double($0.model.parameterCount) / 1e6) } ?? "?") params)" }
                    .joined(separator: ", "))
            }
            let source = TerminalSource(completer: Completer(registry: runner.registry, session: session),
                                        historyFile: historyFile.isEmpty ? nil : historyFile)
            finish(runner.run(source))
        }
        // Piped standard input is a script.
        let input = FileHandle.standardInput.readDataToEndOfFile()
        finish(runner.run(TextSource(String(decoding: input, as: UTF8.self), name: "<stdin>")))
    }
}

/// Splits `a; b; "c;d"` at semicolons outside quotes and outside a `#` comment
/// (which runs to the end of its line).
func splitCommands(_ text: String) -> [String] {
    var parts: [String] = [], current = "", quote: Character?, inComment = false
    for ch in text {
        if inComment {
            if ch == "\n" { inComment = false }
            current.append(ch)
        } else if let q = quote {
            if ch == q { quote = nil }
            current.append(ch)
        } else if ch == "\"" || ch == "'" {
            quote = ch
            current.append(ch)
        } else if ch == "#", current.last.map({ $0.isWhitespace }) ?? true {
            inComment = true
            current.append(ch)
        } else if ch == ";" {
            parts.append(current)
            current = ""
        } else {
            current.append(ch)
        }
    }
    parts.append(current)
    return parts.map { $0.trimmingCharacters(in: .whitespaces) }
}
