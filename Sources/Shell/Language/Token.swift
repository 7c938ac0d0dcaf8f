/// One word of a command line, with where it stands in the line (for carets).
public struct Token: Equatable, Sendable {
    /// What kind of word.
    public enum Kind: Equatable, Sendable {
        /// A bare word: a command name, a model name, a number.
        case word
        /// A quoted string ("..." with escapes, or '...' raw).
        case string
        /// `key=value`; `text` is the value.
        case option(key: String)
    }

    /// The kind.
    public var kind: Kind
    /// The word's value: unquoted, escapes and `$variables` resolved.
    public var text: String
    /// Columns (0-based, in characters) the word occupies in the line.
    public var columns: Range<Int>

    /// A token.
    public init(_ kind: Kind, _ text: String, columns: Range<Int>) {
        self.kind = kind
        self.text = text
        self.columns = columns
    }

    /// The option's key, if this is `key=value`.
    public var optionKey: String? {
        if case let .option(key) = kind { return key }
        return nil
    }
}
