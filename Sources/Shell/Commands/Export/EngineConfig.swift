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
        case cannot = "cannot"
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
    let engine: String
    let file: String
    let text: String
    let settings: [EngineSetting]
    let launch: String
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
