/// A text table: a header, rows, columns padded to their widest cell;
/// columns of numbers are right-aligned. Cells are shown terminal-safe (a
/// model's control characters as escapes), so no cell can break the table.
public struct Table {
    let header: [String]
    let rows: [[String]]

    /// A table.
    public init(_ header: [String], _ rows: [[String]]) {
        self.header = header.map(\.terminalSafe)
        self.rows = rows.map { $0.map(\.terminalSafe) }
    }

    /// A table of cells already made terminal-safe (a page of one made with `init(_:_:)`).
    init(_ header: [String], _ rows: [[String]], safe: Bool) {
        self.header = header
        self.rows = rows
    }

    /// The table as lines of text, indented by two spaces.
    public func render(header showHeader: Bool = true) -> String {
        let all = (showHeader ? [header] : []) + rows
        let columns = all.map(\.count).max() ?? 0
        var widths = [Int](repeating: 0, count: columns)
        for row in all { for (i, cell) in row.enumerated() { widths[i] = max(widths[i], cell.count) } }
        let numeric = (0..<columns).map { i in rows.allSatisfy { i >= $0.count || Double($0[i].replacingOccurrences(of: ",", with: "")) != nil } }
        var out = ""
        for row in all {
            var line = " "
            for (i, cell) in row.enumerated() {
                let pad = String(repeating: " ", count: widths[i] - cell.count)
                line += " " + (numeric[i] && i < columns - 1 ? pad + cell : (i == row.count - 1 ? cell : cell + pad))
                if i < row.count - 1 { line += " " }
            }
            while line.hasSuffix(" ") { line.removeLast() }
            out += line + "\n"
        }
        return out
    }
}
