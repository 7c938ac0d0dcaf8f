import Foundation

/// Rows of samples by thread count, printed as medians.
struct ResultTable {
    let threads: [Int]
    private var rows: [String] = []
    private var samples: [String: [Int: [Double]]] = [:]
    private var notes: [String] = []

    init(threads: [Int]) { self.threads = threads }

    mutating func add(_ row: String, _ threads: Int, _ value: Double) {
        if samples[row] == nil { rows.append(row); samples[row] = [:] }
        samples[row]![threads, default: []].append(value)
    }

    mutating func note(_ text: String) { notes.append(text) }

    func median(_ row: String, _ threads: Int) -> Double {
        let values = (samples[row]?[threads] ?? []).sorted()
        guard !values.isEmpty else { return .nan }
        let mid = values.count / 2
        return values.count % 2 == 1 ? values[mid] : (values[mid - 1] + values[mid]) / 2
    }

    func render(repeats: Int) -> String {
        let width = max(rows.map(\.count).max() ?? 0, 10)
        var out = "rlhf-bench: medians of \(repeats) repeats, thread counts interleaved\n"
        out += "measure".padding(toLength: width, withPad: " ", startingAt: 0)
        for t in threads { out += String(repeating: " ", count: 3) + "\(t) thread\(t == 1 ? " " : "s")".leftPadded(9) }
        out += "\n" + String(repeating: "-", count: width + threads.count * 12) + "\n"
        for row in rows {
            out += row.padding(toLength: width, withPad: " ", startingAt: 0)
            for t in threads { out += String(format: "%12.1f", median(row, t)) }
            out += "\n"
        }
        for n in notes { out += n + "\n" }
        return out
    }
}

extension String {
    func leftPadded(_ n: Int) -> String { count >= n ? self : String(repeating: " ", count: n - count) + self }
}
