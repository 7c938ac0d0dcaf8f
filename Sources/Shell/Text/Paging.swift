/// A long listing a page at a time: `page=K` shows items (K − 1)·size + 1 to K·size,
/// and a line under them says where they stand and how to see more. What fits on one
/// page is shown whole, with no line. Every command that can list without bound (show,
/// history, tokenize, results, show comparisons) pages this way, so no listing prints
/// more than a page however large the session or the data grow.
struct Paging {
    /// Rows a page holds, unless the command says otherwise.
    static let rows = 50
    /// The `page=K` option of a command that pages.
    static let option = Parameter.option("page", .integer(1...1_000_000_000), "which page of a long listing (the first by default)")

    /// The page asked for, from 1.
    let page: Int
    /// Items per page.
    let size: Int

    /// The page `invocation` asks for (page=K, else the first), of `size` items.
    init(_ invocation: Invocation, size: Int = Paging.rows) {
        page = invocation.optional("page").flatMap { Int($0) } ?? 1
        self.size = size
    }

    /// The items of this page among `count`; an error naming the last page when it is past it.
    func range(of count: Int, _ invocation: Invocation) throws -> Range<Int> {
        let pages = max(1, (count + size - 1) / size)
        guard page <= pages else {
            throw invocation.error("page \(page) is past the last: \(count) item\(count == 1 ? "" : "s") make \(pages) page\(pages == 1 ? "" : "s") of \(size)",
                                   at: "page")
        }
        return (page - 1) * size..<min(count, page * size)
    }

    /// The line under a page of `count` `unit`s (plural), or "" when one page holds them all:
    /// "  rows 51–100 of 1234; page=3 shows the next".
    func footer(count: Int, unit: String = "rows") -> String {
        guard count > size else { return "" }
        let shown = (page - 1) * size..<min(count, page * size)
        let next = shown.upperBound < count ? "; page=\(page + 1) shows the next" : " (the last page)"
        return "  \(unit) \(shown.lowerBound + 1)–\(shown.upperBound) of \(count)\(next)\n"
    }

    /// `table`'s rows on this page, rendered, with the footer.
    func render(_ table: Table, _ invocation: Invocation, header: Bool = true) throws -> String {
        let range = try range(of: table.rows.count, invocation)
        return Table(table.header, Array(table.rows[range]), safe: true).render(header: header) + footer(count: table.rows.count)
    }
}
