@testable import Shell
import Testing

/// A model's text cannot drive the terminal: control characters print as escapes.
@Suite struct TerminalTextTests {
    @Test func controlCharactersBecomeEscapes() {
        #expect("plain text, é, 🙂".terminalSafe == "plain text, é, 🙂")
        #expect("a\u{1B}[2Jb\u{07}c\rd\te".terminalSafe == "a\\x1b[2Jb\\x07c\\x0dd\\x09e")
        #expect("one\ntwo".terminalSafe == "one⏎two")
        #expect("del\u{7F} csi\u{9B}".terminalSafe == "del\\x7f csi\\u{9b}")
    }

    @Test func commandOutputKeepsLinesAndColoursOnly() {
        let chart = "\u{1B}[36m━━\u{1B}[0m series\nnext"
        #expect(chart.terminalSafeKeepingColour == chart)
        #expect("x\u{1B}]0;title\u{07}\n\u{1B}[2J".terminalSafeKeepingColour == "x\\x1b]0;title\\x07\n\\x1b[2J")
    }

    @Test func tablesShowCellsSafely() {
        let table = Table(["#", "response"], [["1", "ok\u{1B}[1A\ngone"]]).render()
        #expect(table == "  #  response\n  1  ok\\x1b[1A⏎gone\n")
    }
}
