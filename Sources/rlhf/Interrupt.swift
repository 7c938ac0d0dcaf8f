import Foundation
import Synchronization

/// Ctrl-C: the handler only sets a flag. Long work checks it between steps;
/// the line editor returns from reading and the prompt starts afresh.
enum Interrupt {
    static let flag = Atomic<Bool>(false)

    /// Installs the SIGINT handler (without SA_RESTART, so a blocked read returns).
    static func install() {
        var action = sigaction()
        action.__sigaction_handler.sa_handler = { _ in Interrupt.flag.store(true, ordering: .relaxed) }
        sigemptyset(&action.sa_mask)
        action.sa_flags = 0
        sigaction(SIGINT, &action, nil)
    }

    /// True once since the last `clear`.
    static var isSet: Bool { flag.load(ordering: .relaxed) }

    /// Forgets an interrupt.
    static func clear() { flag.store(false, ordering: .relaxed) }
}
