import Foundation

/// A line chart of one or more series as text: Unicode braille dots (2×4 per
/// character) or, in plain mode, ASCII marks; labelled y range and x range.
public struct Chart {
    /// The series: a name and its (x, y) points.
    public var series: [(name: String, points: [(Double, Double)])]
    /// Character columns of the plotting area.
    public var width = 60
    /// Character rows of the plotting area.
    public var height = 12

    /// A chart of `series`.
    public init(series: [(name: String, points: [(Double, Double)])]) {
        self.series = series
    }

    /// The chart; `ascii` draws with ASCII only (one mark per character cell).
    public func render(ascii: Bool) -> String {
        let points = series.flatMap(\.points)
        guard let first = points.first else { return "(no points)\n" }
        var (x0, x1, y0, y1) = (first.0, first.0, first.1, first.1)
        for (x, y) in points { x0 = min(x0, x); x1 = max(x1, x); y0 = min(y0, y); y1 = max(y1, y) }
        if x1 == x0 { x1 = x0 + 1 }
        if y1 == y0 { y0 -= 0.5; y1 += 0.5 }
        let marks: [Character] = ["*", "+", "o", "x", "#", "@", "%", "&", "=", "~"]
        let (dx, dy) = ascii ? (1, 1) : (2, 4)
        let W = width * dx, H = height * dy
        var dots = [[Int]](repeating: [Int](repeating: -1, count: W), count: H)  // series index per dot
        for (s, line) in series.enumerated() {
            var previous: (Int, Int)?
            for (x, y) in line.points {
                let px = Int(((x - x0) / (x1 - x0) * Double(W - 1)).rounded())
                let py = Int(((y1 - y) / (y1 - y0) * Double(H - 1)).rounded())
                // Join consecutive points so sparse series still read as lines.
                if let (qx, qy) = previous {
                    let n = max(abs(px - qx), abs(py - qy), 1)
                    for k in 0...n { dots[qy + (py - qy) * k / n][qx + (px - qx) * k / n] = s }
                } else {
                    dots[py][px] = s
                }
                previous = (px, py)
            }
        }
        let yLabels = [label(y1), label((y0 + y1) / 2), label(y0)]
        let labelWidth = yLabels.map(\.count).max()!
        var out = ""
        for row in 0..<height {
            let tag = row == 0 ? yLabels[0] : row == height / 2 ? yLabels[1] : row == height - 1 ? yLabels[2] : ""
            out += String(repeating: " ", count: labelWidth - tag.count) + tag + (ascii ? " |" : " ┤")
            for col in 0..<width {
                if ascii {
                    let s = dots[row][col]
                    out.append(s < 0 ? " " : marks[s % marks.count])
                } else if series.count > 1, let owner = owner(dots, row: row, col: col) {
                    // Braille has no marks of its own: several series are told apart by colour.
                    out += "\u{1B}[\(colorCodes[owner % colorCodes.count])m" + String(braille(dots, row: row, col: col)) + "\u{1B}[0m"
                } else {
                    out.append(braille(dots, row: row, col: col))
                }
            }
            out += "\n"
        }
        out += String(repeating: " ", count: labelWidth) + (ascii ? " +" : " └") + String(repeating: ascii ? "-" : "─", count: width) + "\n"
        let left = label(x0), right = label(x1)
        out += String(repeating: " ", count: labelWidth + 2) + left
            + String(repeating: " ", count: max(1, width - left.count - right.count)) + right + "\n"
        if series.count > 1 || ascii {
            out += String(repeating: " ", count: labelWidth + 2) + series.enumerated().map { i, s in
                ascii ? "\(marks[i % marks.count]) \(s.name)" : "\u{1B}[\(colorCodes[i % colorCodes.count])m━━\u{1B}[0m \(s.name)"
            }.joined(separator: "   ") + "\n"
        }
        return out
    }

    /// ANSI foreground colours of the series: blue, red, green, magenta, yellow.
    private let colorCodes = [34, 31, 32, 35, 33, 36, 94, 91, 92, 95]

    /// The series with the most dots in cell (row, col), if any.
    private func owner(_ dots: [[Int]], row: Int, col: Int) -> Int? {
        var counts: [Int: Int] = [:]
        for y in 0..<4 { for x in 0..<2 { let s = dots[row * 4 + y][col * 2 + x]; if s >= 0 { counts[s, default: 0] += 1 } } }
        return counts.max { $0.value != $1.value ? $0.value < $1.value : $0.key > $1.key }?.key
    }

    /// The braille character for cell (row, col): dots 1-8 map to bits 0-7.
    private func braille(_ dots: [[Int]], row: Int, col: Int) -> Character {
        let bits = [(0, 0, 0x01), (0, 1, 0x02), (0, 2, 0x04), (1, 0, 0x08), (1, 1, 0x10), (1, 2, 0x20), (0, 3, 0x40), (1, 3, 0x80)]
        var code = 0
        for (x, y, bit) in bits where dots[row * 4 + y][col * 2 + x] >= 0 { code |= bit }
        return Character(Unicode.Scalar(0x2800 + code)!)
    }

    private func label(_ v: Double) -> String {
        if v == v.rounded() && abs(v) < 1e9 { return String(Int(v)) }
        return String(format: abs(v) >= 100 ? "%.0f" : abs(v) >= 1 ? "%.2f" : "%.3g", v)
    }

    /// The chart as an SVG document: polylines over labelled axes.
    public func svg(title: String) -> String {
        let points = series.flatMap(\.points)
        var (x0, x1, y0, y1) = (points.first?.0 ?? 0, points.first?.0 ?? 1, points.first?.1 ?? 0, points.first?.1 ?? 1)
        for (x, y) in points { x0 = min(x0, x); x1 = max(x1, x); y0 = min(y0, y); y1 = max(y1, y) }
        if x1 == x0 { x1 = x0 + 1 }
        if y1 == y0 { y0 -= 0.5; y1 += 0.5 }
        let (w, h, m) = (640.0, 360.0, 50.0)
        func sx(_ x: Double) -> String { String(format: "%.1f", m + (x - x0) / (x1 - x0) * (w - 2 * m)) }
        func sy(_ y: Double) -> String { String(format: "%.1f", h - m - (y - y0) / (y1 - y0) * (h - 2 * m)) }
        let colors = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"]
        var out = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"640\" height=\"360\" font-family=\"sans-serif\" font-size=\"12\">\n"
        out += "<rect width=\"640\" height=\"360\" fill=\"white\"/>\n"
        out += "<text x=\"320\" y=\"20\" text-anchor=\"middle\">\(escape(title))</text>\n"
        out += "<line x1=\"\(m)\" y1=\"\(h - m)\" x2=\"\(w - m)\" y2=\"\(h - m)\" stroke=\"black\"/>\n"
        out += "<line x1=\"\(m)\" y1=\"\(m)\" x2=\"\(m)\" y2=\"\(h - m)\" stroke=\"black\"/>\n"
        out += "<text x=\"\(m)\" y=\"\(h - m + 16)\" text-anchor=\"middle\">\(label(x0))</text>\n"
        out += "<text x=\"\(w - m)\" y=\"\(h - m + 16)\" text-anchor=\"middle\">\(label(x1))</text>\n"
        out += "<text x=\"\(m - 4)\" y=\"\(h - m)\" text-anchor=\"end\">\(label(y0))</text>\n"
        out += "<text x=\"\(m - 4)\" y=\"\(m + 4)\" text-anchor=\"end\">\(label(y1))</text>\n"
        for (i, s) in series.enumerated() {
            let color = colors[i % colors.count]
            let coordinates = s.points.map { "\(sx($0.0)),\(sy($0.1))" }.joined(separator: " ")
            out += "<polyline fill=\"none\" stroke=\"\(color)\" stroke-width=\"1.5\" points=\"\(coordinates)\"/>\n"
            // Few points (a scatter of methods, a short sweep) are drawn as dots too, so one point shows.
            if s.points.count < 20 {
                for p in s.points { out += "<circle cx=\"\(sx(p.0))\" cy=\"\(sy(p.1))\" r=\"3.5\" fill=\"\(color)\"/>\n" }
            }
            out += "<text x=\"\(w - m)\" y=\"\(m + 16 * Double(i))\" text-anchor=\"end\" fill=\"\(color)\">\(escape(s.name))</text>\n"
        }
        return out + "</svg>\n"
    }

    private func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }
}
