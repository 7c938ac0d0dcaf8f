import Foundation
@testable import Shell
import Testing

/// The repository's own lessons, read as the `lesson` command reads them: all
/// fifteen parse, are numbered 1 to 15 without a gap, sit under stages `help`
/// names, say their cost and their source, and every command they show is one
/// the registry knows (scripts/lessons runs them all).
@Suite struct LessonFileTests {
    @Test func theBundledLessonsAreWhole() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let found = LessonLibrary.find([root.path])
        let library = try #require(found.library, "\(found.problem ?? "no lessons")")
        #expect(library.lessons.map(\.number) == Array(1...15))
        let stages = Set(Registry.standard.stages.map(\.name))
        for lesson in library.lessons {
            #expect(stages.contains(lesson.stage), "lesson \(lesson.number): stage '\(lesson.stage)' is not one help names")
            #expect(lesson.time.contains("second") || lesson.time.contains("minute"), "lesson \(lesson.number) says no cost")
            #expect(lesson.source.contains("arXiv"), "lesson \(lesson.number) names no paper")
            var lines: [String] = []
            for step in lesson.steps {
                switch step {
                case let .run(line): lines.append(line)
                case let .turn(turn): lines += turn.answer + ["expect " + turn.check]
                case .say: break
                }
            }
            for line in lines {
                let tokens = try Lexer(lookup: { _ in "1" }).tokens(line)
                #expect(throws: Never.self, "lesson \(lesson.number): \(line)") { try Registry.standard.parse(tokens, line: line) }
            }
        }
    }
}
