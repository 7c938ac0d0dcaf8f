import Foundation

/// The folders that may hold the bundled `models/`, `datasets/` and
/// `lessons/`, so the binary finds them from anywhere: $RLHF_HOME, the folders
/// above the executable (the repository, for a build in .build/release), and
/// the current folder, in that order, each once.
enum InstallRoots {
    static func folders(executable: String? = Bundle.main.executablePath ?? CommandLine.arguments.first,
                        environment: [String: String] = ProcessInfo.processInfo.environment) -> [String] {
        var out: [String] = []
        if let home = environment["RLHF_HOME"] { out.append(home) }
        if let executable, executable.contains("/") {
            var dir = ((executable as NSString).resolvingSymlinksInPath as NSString).deletingLastPathComponent
            for _ in 0..<4 where !dir.isEmpty && dir != "/" {
                dir = (dir as NSString).deletingLastPathComponent
                out.append(dir)
            }
        }
        out.append(FileManager.default.currentDirectoryPath)
        var seen = Set<String>()
        return out.map { ($0 as NSString).standardizingPath }.filter { seen.insert($0).inserted }
    }

    /// A relative `path` that is not in the current folder, found under one of
    /// `roots` (datasets/sft.jsonl run from elsewhere); nil when it is here or nowhere.
    static func elsewhere(_ path: String, roots: [String]) -> String? {
        let fm = FileManager.default
        guard !path.hasPrefix("/"), !path.hasPrefix("~"), !fm.fileExists(atPath: path) else { return nil }
        return roots.map { ($0 as NSString).appendingPathComponent(path) }.first { fm.fileExists(atPath: $0) }
    }
}
