import CEditLine
import Foundation
import Shell

/// Where interactive lines come from. With a terminal: libedit, with
/// history, Tab completion and Emacs keys; otherwise plain reading. The rest
/// of the program never asks which.
final class TerminalSource: LineSource {
    let name: String? = nil
    let isInteractive: Bool
    private let editor: LibEdit?

    init(completer: Completer, historyFile: String?) {
        let term = ProcessInfo.processInfo.environment["TERM"] ?? ""
        if isatty(0) == 1 && term != "dumb" {
            editor = LibEdit(completer: completer, historyFile: historyFile)
        } else {
            editor = nil
        }
        isInteractive = isatty(0) == 1
    }

    func next(prompt: String) -> String? {
        if let editor { return editor.readLine(prompt: prompt) }
        return readLine(strippingNewline: true)
    }
}

/// libedit behind `readLine(prompt:)`.
final class LibEdit {
    private let el: OpaquePointer
    private let history: OpaquePointer
    private let historyFile: String?
    fileprivate let completer: Completer
    fileprivate var prompt = ""

    init(completer: Completer, historyFile: String?) {
        self.completer = completer
        self.historyFile = historyFile
        setlocale(LC_ALL, "")
        el = rlhf_el_init(CommandLine.arguments[0])
        history = rlhf_history_init(1000)
        if let historyFile { _ = rlhf_history_load(history, historyFile) }
        rlhf_el_set_editor(el, "emacs")
        rlhf_el_set_history(el, history)
        rlhf_el_set_client_data(el, Unmanaged.passUnretained(self).toOpaque())
        rlhf_el_set_prompt(el) { el in
            let me = Unmanaged<LibEdit>.fromOpaque(rlhf_el_client_data(el)!).takeUnretainedValue()
            return me.promptPointer
        }
        rlhf_el_add_function(el, "rlhf-complete", "complete the word") { el, _ in
            guard let el else { return UInt8(CC_ERROR) }
            let me = Unmanaged<LibEdit>.fromOpaque(rlhf_el_client_data(el)!).takeUnretainedValue()
            return me.complete(el)
        }
        rlhf_el_bind(el, "^I", "rlhf-complete")
        rlhf_el_bind(el, "^R", "em-inc-search-prev")
    }

    deinit {
        if let historyFile { _ = rlhf_history_save(history, historyFile) }
        history_end(history)
        el_end(el)
    }

    private var promptStorage: UnsafeMutablePointer<CChar>?
    fileprivate var promptPointer: UnsafeMutablePointer<CChar>? { promptStorage }

    func readLine(prompt: String) -> String? {
        promptStorage?.deallocate()
        promptStorage = strdup(prompt)
        while true {
            Interrupt.clear()
            var count: Int32 = 0
            guard let raw = el_gets(el, &count) else {
                if Interrupt.isSet {
                    // Ctrl-C at the prompt: drop the line, start afresh.
                    Interrupt.clear()
                    FileHandle.standardOutput.write(Data("^C\n".utf8))
                    el_reset(el)
                    continue
                }
                FileHandle.standardOutput.write(Data("\n".utf8))
                return nil  // Ctrl-D
            }
            var line = String(cString: raw)
            if line.hasSuffix("\n") { line.removeLast() }
            if !line.trimmingCharacters(in: .whitespaces).isEmpty {
                _ = rlhf_history_enter(history, line)
                if let historyFile { _ = rlhf_history_save(history, historyFile) }
            }
            return line
        }
    }

    fileprivate func complete(_ el: OpaquePointer) -> UInt8 {
        guard let info = el_line(el) else { return UInt8(CC_ERROR) }
        let before = String(decoding: UnsafeRawBufferPointer(start: info.pointee.buffer,
                                                              count: info.pointee.cursor - info.pointee.buffer), as: UTF8.self)
        let (word, candidates) = completer.complete(before)
        guard !candidates.isEmpty else { return UInt8(CC_REFRESH_BEEP) }
        let common = candidates.dropFirst().reduce(candidates[0]) { prefix, c in String(zip(prefix, c).prefix { $0 == $1 }.map(\.0)) }
        if common.count > word.count {
            var insertion = String(common.dropFirst(word.count))
            if candidates.count == 1 && !common.hasSuffix("/") && !common.hasSuffix("=") { insertion += " " }
            el_insertstr(el, insertion)
            return UInt8(CC_REFRESH)
        }
        if candidates.count > 1 {
            FileHandle.standardOutput.write(Data(("\n" + candidates.joined(separator: "  ") + "\n").utf8))
            return UInt8(CC_REDISPLAY)
        }
        return UInt8(CC_REFRESH)
    }
}
