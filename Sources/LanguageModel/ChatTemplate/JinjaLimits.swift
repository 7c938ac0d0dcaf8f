import Foundation

/// What reading and rendering one chat template may take. A template comes from
/// a model folder, so from anyone: each budget passed is an error that names the
/// construct, its line and the limit, never an abort, an exhausted memory or a
/// hang. Real chat templates stay far inside every one (the longest bundled with
/// transformers renders a conversation in a few kilobytes and a few hundred steps).
enum JinjaLimits {
    /// Nesting of blocks (`if`, `for` inside one another) and of expressions
    /// (parentheses, brackets, operators) when the template is read.
    static let nesting = 200
    /// Characters of the rendered text, and of any one string a template builds.
    static let characters = 1 << 20
    /// Items of any one list a template builds (`range`, `+`).
    static let listItems = 1 << 16
    /// Lists and dicts nested in one another in a value (each wrap `[x]` adds one):
    /// printing, comparing and `tojson` walk them recursively.
    static let valueNesting = 64
    /// Loop iterations of one render, all loops together.
    static let iterations = 1_000_000
    /// Expressions evaluated in one render.
    static let steps = 10_000_000
    /// Seconds one render may run (a backstop; the budgets above end any real work first).
    static let seconds = 5.0
}

/// The budgets of one render as it runs (see `JinjaLimits`).
struct JinjaBudget {
    private var iterations = 0, steps = 0
    private let start = DispatchTime.now().uptimeNanoseconds

    /// Counts one loop iteration; throws past the budget.
    mutating func iterate(line: Int) throws {
        iterations += 1
        if iterations > JinjaLimits.iterations {
            throw JinjaError("a for loop passes the budget of \(JinjaLimits.iterations) loop iterations per render", line: line)
        }
    }

    /// Counts one evaluated expression; throws past the step budget or the time limit.
    mutating func step(line: Int) throws {
        steps += 1
        if steps > JinjaLimits.steps {
            throw JinjaError("the template passes the budget of \(JinjaLimits.steps) evaluated expressions per render", line: line)
        }
        if steps & 1023 == 0, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 > JinjaLimits.seconds {
            throw JinjaError("the template runs past the limit of \(Int(JinjaLimits.seconds)) seconds per render", line: line)
        }
    }

    /// Throws unless a string of `count` UTF-8 bytes, made by `construct`, fits the
    /// limit; `exact` false when `count` is where counting stopped or an estimate.
    static func string(_ count: Int, _ construct: String, exact: Bool = true, line: Int) throws {
        guard count > JinjaLimits.characters else { return }
        let size = exact ? "a string of \(count) characters, past the limit of" : "a string longer than the limit of"
        throw JinjaError("\(construct) would make \(size) \(JinjaLimits.characters)", line: line)
    }

    /// Throws unless `value`, about to be printed (`str`, `~`, `join`), prints within the
    /// character limit, and its lists and dicts nest within `JinjaLimits.valueNesting`.
    static func printable(_ value: JinjaValue, _ construct: String, line: Int) throws {
        switch value {
        case .list, .dict:
            try string(value.printedSize(upTo: JinjaLimits.characters), construct, exact: false, line: line)
        default:
            break
        }
    }

    /// Throws unless `value` nests its lists and dicts within `JinjaLimits.valueNesting`.
    static func nesting(_ value: JinjaValue, line: Int) throws {
        if value.nesting(upTo: JinjaLimits.valueNesting) > JinjaLimits.valueNesting {
            throw JinjaError("lists and dicts nest deeper than \(JinjaLimits.valueNesting) levels", line: line)
        }
    }

    /// Throws unless a list of `count` items, made by `construct`, fits the limit.
    static func list(_ count: Int, _ construct: String, line: Int) throws {
        if count > JinjaLimits.listItems {
            throw JinjaError("\(construct) would make a list of \(count) items, past the limit of \(JinjaLimits.listItems)", line: line)
        }
    }
}

extension JinjaValue {
    /// How deeply lists and dicts nest in this value (0 for anything else), counted
    /// no further than `limit` + 1.
    func nesting(upTo limit: Int) -> Int {
        switch self {
        case .list(let items):
            return limit <= 0 ? 1 : 1 + (items.lazy.map { $0.nesting(upTo: limit - 1) }.max() ?? 0)
        case .dict(let d):
            return limit <= 0 ? 1 : 1 + (d.keys.lazy.map { d[$0].nesting(upTo: limit - 1) }.max() ?? 0)
        default:
            return 0
        }
    }

    /// At least the UTF-8 length of `repr` (a string counted as if every character were
    /// escaped), counted no further than past `limit`.
    func printedSize(upTo limit: Int) -> Int {
        switch self {
        case .string(let s): return 4 * s.utf8.count + 2
        case .list(let items):
            var total = 2
            for item in items where total <= limit { total += item.printedSize(upTo: limit - total) + 2 }
            return total
        case .dict(let d):
            var total = 2
            for key in d.keys where total <= limit { total += 4 * key.utf8.count + 4 + d[key].printedSize(upTo: limit - total) + 2 }
            return total
        default: return 32
        }
    }
}
