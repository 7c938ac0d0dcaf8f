import Foundation
import Shell
import Testing

/// Ctrl-C during a long command, pressed by a flag that turns true after a
/// number of checks: the command stops at the next batch (sampling: the next
/// token step, so a stop at the second check has no answer done), says so in one line,
/// and the session is as it was (no object, no value, the same seeds after).
@Suite struct StopTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// Ctrl-C, "pressed" once `checks` checks have passed.
    final class Press: @unchecked Sendable {
        var checks = 0, after = Int.max
    }

    /// A session with sft and the train prompts, its runner writing into `out`, and its Ctrl-C.
    static func session(_ out: @escaping (String) -> Void) -> (Runner, Press) {
        let press = Press()
        let session = Session()
        session.isCancelled = {
            press.checks += 1
            return press.checks > press.after
        }
        let runner = Runner(session: session, write: out, writeError: out)
        _ = runner.run(TextSource("""
            load model sft "\(root.path)/models/sft"
            load data prompts "\(root.path)/datasets/prompts_train.jsonl"
            """, name: nil))
        return (runner, press)
    }

    static let cases: [(setup: String, command: String, stop: String)] = [
        ("", "sample s from prompts model=sft k=2 n=100", "stopped after 0 of 200 responses (Ctrl-C); the session is as it was"),
        ("sample s from prompts model=sft k=4 n=40 temperature=2", "label s as pairs per_prompt=6",
         "stopped after 8 of 40 prompts (Ctrl-C); the session is as it was"),
        ("sample s from prompts model=sft k=4 n=40 temperature=2; reward oracle gold", "score oracle s",
         "stopped after 64 of 160 responses while scoring (Ctrl-C); the session is as it was"),
        ("reward oracle gold", "bestofn sft on=prompts reward=oracle n=4",
         "stopped after 0 of 9636 responses while sampling (Ctrl-C); the session is as it was"),
        ("", "eval sft against sft", "stopped after 0 of 662 responses while answering as sft (Ctrl-C); the session is as it was"),
        ("reward oracle gold", "rs round sft on prompts reward=oracle k=2 n=50",
         "stopped after 0 of 662 responses while evaluating on held-out prompts (Ctrl-C); the session is as it was"),
        ("", "generate sft \"What is 3 + 4?\" n=4 max_tokens=8 chat=false", "stopped after 4 of 32 tokens (Ctrl-C); the session is as it was"),
        ("chat sft \"What is 3 + 4?\" max_tokens=8", "chat sft \"And 2 + 2?\" max_tokens=8",
         "stopped after 1 of 8 tokens (Ctrl-C); the session is as it was"),
        (rewardModel, "eval rm r on s.pairs", "stopped after 64 of 416 responses while scoring (Ctrl-C); the session is as it was"),
        (rewardModel + "; load data demos \"\(root.path)/datasets/sft.jsonl\"", "reward shifted r shift=demos",
         "stopped after 64 of 1625 responses (Ctrl-C); the session is as it was"),
        ("", "world generate documents=5000 to=\"\(FileManager.default.temporaryDirectory.path)/rlhf-stopped-world\"",
         "stopped after 1000 of 5000 documents (Ctrl-C); the session is as it was"),
    ]
    /// Commands stopped later than at the second check, to reach their last step:
    /// (setup, command, what the stop says, the checks that pass first).
    static let lateCases: [(setup: String, command: String, stop: String, after: Int)] = [
        ("", "eval sft k=4 max_tokens=8",
         "stopped after 783 of 2648 responses while measuring headroom, sampling 4 per prompt (Ctrl-C); the session is as it was", 250),
    ]
    static let allCases = cases.map { ($0.setup, $0.command, $0.stop, 1) } + lateCases.map { ($0.setup, $0.command, $0.stop, $0.after) }
    static let rewardModel = "sample s from prompts model=sft k=4 n=40 temperature=2; label s as pairs per_prompt=6; "
        + "train rm r on s.pairs steps=1 eval_every=0"

    @Test(arguments: allCases.indices)
    func aStoppedCommandLeavesTheSessionAsItWas(_ index: Int) {
        let (setup, command, stop, after) = Self.allCases[index]
        // Without Ctrl-C: what the session shows after the command and the next draw of randomness.
        var plain = ""
        let (runner, _) = Self.session { plain += $0 }
        _ = runner.run(TextSource(setup.replacingOccurrences(of: "; ", with: "\n"), name: nil))
        plain = ""
        _ = runner.run(TextSource("show\nshow values\nsample after from prompts model=sft k=1 n=3", name: nil))

        var out = ""
        let (stopped, press) = Self.session { out += $0 }
        _ = stopped.run(TextSource(setup.replacingOccurrences(of: "; ", with: "\n"), name: nil))
        out = ""
        press.checks = 0
        press.after = after
        _ = stopped.run(TextSource(command, name: "script"))
        #expect(out == "script:1: \(stop)\n")
        press.after = .max
        out = ""
        _ = stopped.run(TextSource("show\nshow values\nsample after from prompts model=sft k=1 n=3", name: nil))
        #expect(out == plain, "after `\(command)` was stopped")
    }
}
