extension String {
    /// The text on one line (newlines shown as spaces, control characters as
    /// escapes), cut to `width` characters with "..." where it is longer.
    func singleLine(_ width: Int) -> String {
        let one = replacingOccurrences(of: "\n", with: " ").terminalSafe
        return one.count > width ? String(one.prefix(width - 3)) + "..." : one
    }
}
