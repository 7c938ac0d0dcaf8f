import Files
import Foundation

/// Where the lessons are, and where a learner's progress is kept.
struct LessonLibrary {
    /// The folder the lessons were read from.
    var folder: String
    var lessons: [Lesson]

    /// The first folder of `candidates` that holds `lessons/`; nil with every place looked in.
    static func find(_ candidates: [String]) -> (library: LessonLibrary?, looked: [String], problem: String?) {
        let fm = FileManager.default
        var looked: [String] = []
        for base in candidates {
            let folder = (base as NSString).appendingPathComponent("lessons")
            looked.append(folder)
            var isDirectory: ObjCBool = false
            guard fm.fileExists(atPath: folder, isDirectory: &isDirectory), isDirectory.boolValue else { continue }
            let files = ((try? fm.contentsOfDirectory(atPath: folder)) ?? []).filter { $0.hasSuffix(".lesson") }.sorted()
            var lessons: [Lesson] = []
            for file in files {
                // 01-pipeline.lesson: number 1, name "pipeline".
                let stem = String(file.dropLast(".lesson".count))
                let parts = stem.split(separator: "-", maxSplits: 1)
                guard parts.count == 2, let number = Int(parts[0]) else { continue }
                let path = (folder as NSString).appendingPathComponent(file)
                let text: String
                do { text = try OutsideFile.text(path, limit: 1 << 20) } catch { return (nil, looked, error.localizedDescription) }
                do {
                    lessons.append(try Lesson(number: number, name: String(parts[1]), text: text))
                } catch {
                    return (nil, looked, "\(path): \(error)")
                }
            }
            return (LessonLibrary(folder: folder, lessons: lessons.sorted { $0.number < $1.number }), looked, nil)
        }
        return (nil, looked, nil)
    }

    /// The lesson named by `which`: its number, or its name.
    func lesson(_ which: String) -> Lesson? {
        if let n = Int(which) { return lessons.first { $0.number == n } }
        return lessons.first { $0.name == which.lowercased() }
    }
}

/// A learner's place in each lesson, kept in a small file so `lesson`
/// resumes in a new session: `NUMBER STEP` per line (STEP the index of the
/// next step; the steps' count once done).
struct LessonProgress {
    var path: String?
    var positions: [Int: Int] = [:]

    /// $RLHF_HOME/lesson-progress, else ~/.rlhf/lesson-progress; nil where neither is set.
    static func load(environment: [String: String] = ProcessInfo.processInfo.environment) -> LessonProgress {
        let path = environment["RLHF_HOME"].map { $0 + "/lesson-progress" } ?? environment["HOME"].map { $0 + "/.rlhf/lesson-progress" }
        var progress = LessonProgress(path: path)
        guard let path, let text = try? OutsideFile.text(path, limit: 65536) else { return progress }
        for line in text.split(separator: "\n") {
            let f = line.split(separator: " ")
            if f.count == 2, let n = Int(f[0]), let step = Int(f[1]), (1...999).contains(n), (0...10_000).contains(step) {
                progress.positions[n] = step
            }
        }
        return progress
    }

    /// Records lesson `number` at step index `step`, and writes the file (quietly: progress is a convenience).
    mutating func record(_ number: Int, at step: Int) {
        positions[number] = step
        guard let path else { return }
        let text = positions.keys.sorted().map { "\($0) \(positions[$0]!)" }.joined(separator: "\n") + "\n"
        try? FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try? AtomicFile.write(Data(text.utf8), to: URL(fileURLWithPath: path))
    }
}
