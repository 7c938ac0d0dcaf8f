import Foundation

/// A setting of an engine's configuration beside what the run here did: the
/// key and value it writes, and whether the meaning matches.
struct EngineSetting {
    enum Match: String {
        /// The engine computes what the run did.
        case matched
        /// Written, but the engine's meaning differs: the effect says how.
        case differs
        /// The engine has no way to say it.
        case cannot
    }

    /// The run's setting here, in this tool's words ("lr", "loss=cdpo").
    let here: String
    /// The engine's key (empty when it has none) and the value written.
    let key: String, value: String
    let match: Match
    /// What to expect where it does not match; empty when it does.
    let effect: String

    static func same(_ here: String, _ key: String, _ value: String) -> EngineSetting {
        EngineSetting(here: here, key: key, value: value, match: .matched, effect: "")
    }
    static func differs(_ here: String, _ key: String, _ value: String, _ effect: String) -> EngineSetting {
        EngineSetting(here: here, key: key, value: value, match: .differs, effect: effect)
    }
    static func cannot(_ here: String, _ effect: String) -> EngineSetting {
        EngineSetting(here: here, key: "", value: "", match: .cannot, effect: effect)
    }
}

/// One engine's configuration file for a run: its name under configs/, its
/// text, the settings beside the run's, and how to launch it.
struct EngineConfig {
    /// How the engine takes a setting: YAML (TRL), command-line flags (OpenRLHF), Hydra overrides (verl).
    enum Syntax { case yaml, flags, overrides }

    let engine: String
    let file: String
    let text: String
    let settings: [EngineSetting]
    let launch: String
    var syntax = Syntax.yaml

    /// A setting as the engine's file writes it.
    func written(_ s: EngineSetting) -> String {
        switch syntax {
        case .yaml: "\(s.key): \(s.value)"
        case .flags: s.value.isEmpty ? s.key : "\(s.key) \(s.value)"
        case .overrides: "\(s.key)=\(s.value)"
        }
    }

    /// A launch script: the settings as a bash array, one per line with its
    /// difference as a comment, passed to `command` (with the user's own arguments after).
    static func script(engine: String, file: String, run: String, command: String, syntax: Syntax,
                       settings: [EngineSetting], before: [String] = []) -> EngineConfig {
        let layout = EngineConfig(engine: engine, file: file, text: "", settings: settings, launch: "bash configs/\(file)", syntax: syntax)
        var lines = ["#!/usr/bin/env bash",
                     "# \(engine) for run \(run), written by rlhf's export: from this folder, bash configs/\(file) [more arguments]",
                     "# Lines marked `differs` compute something else than the run did; README.md says what to expect.",
                     "set -euo pipefail", "cd \"$(dirname \"$0\")/..\""] + before + ["args=("]
        for s in settings where !s.key.isEmpty {
            let words = syntax == .overrides ? [shellWord(layout.written(s))]
                : [s.key] + s.value.split(separator: " ").map { shellWord(String($0)) }
            lines.append("  " + words.joined(separator: " ") + (s.match == .differs ? "  # differs: \(s.effect)" : ""))
        }
        lines += [")", "\(command) \"${args[@]}\" \"$@\""]
        return EngineConfig(engine: engine, file: file, text: lines.joined(separator: "\n") + "\n", settings: settings,
                            launch: layout.launch, syntax: syntax)
    }
}

/// A word as bash reads it literally: single-quoted unless it is plain.
func shellWord(_ word: String) -> String {
    // A path from the launch folder ($PWD) is expanded, inside double quotes.
    if word.contains("$PWD"), !word.contains(where: { "\"`\\!".contains($0) }) { return "\"" + word + "\"" }
    let plain = word.allSatisfy { $0.isLetter || $0.isNumber || "_.=/:,+-".contains($0) }
    return plain && !word.isEmpty ? word : "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'"
}

/// A number as YAML and the engines' command lines read it: 5e-05 → 5.0e-05, 0.1 → 0.1, 16 → 16.
func yamlNumber(_ x: Double) -> String {
    if x == x.rounded(), abs(x) < 1e15 { return String(Int(x)) }
    let s = String(x)
    // YAML 1.1 (PyYAML) reads 5e-05 as a string; it wants the mantissa's dot.
    if let e = s.firstIndex(where: { $0 == "e" || $0 == "E" }), !s[..<e].contains(".") {
        return s[..<e] + ".0" + s[e...]
    }
    return s
}

/// A Float setting as its shortest decimal (5e-4, not 0.0005000000237487257), then as `yamlNumber` writes it.
func yamlNumber(_ x: Float) -> String { yamlNumber(Double("\(x)")!) }
