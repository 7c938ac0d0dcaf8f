import Files
import Foundation

/// Where command lines come from: a terminal, piped input, a script file.
/// "Interactive" is a property of the source; the loop is the same.
public protocol LineSource: AnyObject {
    /// The file name errors are prefixed with, or nil at a terminal.
    var name: String? { get }
    /// True when errors should not stop the loop (a person is typing).
    var isInteractive: Bool { get }
    /// The next line, shown `prompt` if interactive; nil at the end.
    func next(prompt: String) -> String?
}

/// The lines of a script file or of a string.
public final class TextSource: LineSource {
    public let name: String?
    public let isInteractive = false
    private var lines: [Substring]
    private var index = 0

    /// The lines of `text`, reported as `name` in errors; Windows line endings
    /// and a byte order mark read as an editor shows them (`Text.normalized`).
    public init(_ text: String, name: String?) {
        self.name = name
        var lines = Text.normalized(text).split(separator: "\n", omittingEmptySubsequences: false)
        if lines.last == "" { lines.removeLast() }
        self.lines = lines
    }

    /// The lines of the regular file at `path`.
    public convenience init(contentsOf path: String) throws {
        self.init(try OutsideFile.text(path), name: path)
    }

    public func next(prompt: String) -> String? {
        guard index < lines.count else { return nil }
        defer { index += 1 }
        return String(lines[index])
    }
}
