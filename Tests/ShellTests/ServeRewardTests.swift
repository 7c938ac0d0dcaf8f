import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Shell
import Testing

/// `serve reward` as a caller sees it: the server runs in a session on another
/// thread, requests go over HTTP on the loopback, and each reply is checked
/// against `score` in the same session (the gold labeler, the bundled reward
/// model, a match reward); malformed requests get a 400 with the reason and
/// the server goes on; it stops after `requests=` or at Ctrl-C.
@Suite(.serialized) struct ServeRewardTests {
    static let root = StopTests.root

    /// A session with `setup` run, serving `command` on its own thread; the
    /// port, a function posting a body (status and reply) and one waiting for the end.
    final class Served: @unchecked Sendable {
        let runner: Runner
        var output = "", port = 0
        let lock = NSLock()
        var stop = false
        let finished = DispatchSemaphore(value: 0)

        init(setup: String, command: String) throws {
            let session = Session()
            runner = Runner(session: session, write: { _ in }, writeError: { _ in })
            session.isCancelled = { [unowned self] in lock.withLock { stop } }
            runner.write = { [unowned self] text in lock.withLock { output += text } }
            runner.writeError = runner.write
            _ = runner.run(TextSource(setup, name: nil))
            let thread = Thread { [self] in
                _ = runner.run(TextSource(command, name: nil))
                finished.signal()
            }
            thread.start()
            let deadline = Date().addingTimeInterval(30)
            while Date() < deadline {
                if let found = lock.withLock({ output.firstMatch(of: /127\.0\.0\.1:(\d+)\/get_reward/) }) {
                    port = Int(found.1)!
                    return
                }
                Thread.sleep(forTimeInterval: 0.02)
            }
            throw CancellationError()
        }

        func post(_ body: String) -> (status: Int, json: [String: Any]) {
            var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)/get_reward")!)
            request.httpMethod = "POST"
            request.httpBody = Data(body.utf8)
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
            let done = DispatchSemaphore(value: 0)
            nonisolated(unsafe) var result: (Int, [String: Any]) = (0, [:])
            URLSession.shared.dataTask(with: request) { data, response, _ in
                let status = (response as? HTTPURLResponse)?.statusCode ?? 0
                let json = data.flatMap { try? JSONSerialization.jsonObject(with: $0) as? [String: Any] } ?? [:]
                result = (status, json)
                done.signal()
            }.resume()
            done.wait()
            return result
        }

        /// Ctrl-C (unless the server stops by itself), then what the command printed.
        func end(pressing: Bool) -> String {
            if pressing { lock.withLock { stop = true } }
            finished.wait()
            return lock.withLock { output }
        }
    }

    /// What `score` prints as the reward of one typed response, in a fresh session with `setup`.
    static func scored(_ setup: String, _ reward: String, _ prompt: String, _ response: String) -> Double {
        var out = ""
        let runner = Runner(session: Session(), write: { out += $0 }, writeError: { out += $0 })
        _ = runner.run(TextSource(setup + "\nscore \(reward) \"\(prompt)\" \"\(response)\"", name: nil))
        return runner.session.values["score"] ?? .nan
    }

    @Test func goldAndRewardModelRepliesEqualScore() throws {
        let setup = "reward g gold\nload model rm_helpful \"\(Self.root.path)/models/rm_helpful\""
        let prompt = "What animal does Lars keep?"
        let responses = ["Lars has a hare.", "I do not know.", "Sure! Lars has a hare. Ask again any time."]
        for reward in ["g", "rm_helpful"] {
            let served = try Served(setup: setup, command: "serve reward \(reward) port=0 requests=2")
            let plain = served.post("{\"prompts\": [\(responses.map { _ in "\"\(prompt)\"" }.joined(separator: ", "))], "
                + "\"responses\": [\(responses.map { "\"\($0)\"" }.joined(separator: ", "))]}")
            #expect(plain.status == 200)
            let rewards = try #require(plain.json["rewards"] as? [Double])
            for (r, response) in zip(rewards, responses) {
                #expect(abs(r - Self.scored(setup, reward, prompt, response)) < 1e-5, "\(reward): \(response)")
            }
            // OpenRLHF's form: the prompt as the engine rendered it, the query that prompt and the response.
            let rendered = "<|user|> \(prompt) <|assistant|>"
            let openrlhf = served.post("{\"query\": [\"\(rendered) \(responses[0]) <|end|>\"], \"prompts\": [\"\(rendered)\"]}")
            #expect(openrlhf.status == 200)
            #expect(abs(((openrlhf.json["rewards"] as? [Double])?.first ?? .nan) - rewards[0]) < 1e-5)
            let out = served.end(pressing: false)
            #expect(out.hasSuffix("stopped serving \(reward) after 2 requests\n"), "\(out)")
        }
    }

    @Test func malformedRequestsGetReasonsAndTheServerGoesOn() throws {
        let served = try Served(setup: "reward correct match", command: "serve reward correct port=0")
        let cases: [(body: String, reason: String)] = [
            ("not json", "the body is not a JSON object"),
            ("[1, 2]", "the body is not a JSON object"),
            ("{\"responses\": [\"7\"]}", "\"prompts\" is missing"),
            ("{\"prompts\": \"x\", \"responses\": [\"7\"]}", "\"prompts\" must be a list of strings"),
            ("{\"prompts\": [\"a\", \"b\"], \"responses\": [\"7\"]}", "1 responses for 2 prompts"),
            ("{\"prompts\": [\"a\"]}", "\"responses\" (or OpenRLHF's \"query\") is missing"),
            ("{\"prompts\": [\"a\"], \"query\": [\"b 7\"]}", "query 0 does not begin with prompt 0"),
            ("{\"prompts\": [\"a\"], \"responses\": [\"7\"]}", "correct checks each prompt's \"answer\", and response 0 has none"),
            ("{\"prompts\": [\"a\"], \"responses\": [\"7\"], \"fields\": [{\"answer\": [7]}]}", "fields[0].answer must be a string or a number"),
            ("{\"prompts\": [\"a\"], \"responses\": [\"7\"], \"safety\": [\"yes\"]}", "\"safety\" must be a list of booleans"),
            (String(repeating: "[", count: 100_000), "the body is not a JSON object"),
        ]
        for c in cases {
            let reply = served.post(c.body)
            #expect(reply.status == 400, "\(c.body.prefix(60))")
            #expect((reply.json["error"] as? String)?.hasPrefix(c.reason) == true, "\(reply.json)")
        }
        // Still serving: a well-formed request after all of them, answers as numbers or text.
        let good = served.post("{\"prompts\": [\"a\", \"b\"], \"responses\": [\"It is 7.\", \"It is 8.\"], "
            + "\"fields\": [{\"answer\": 7}, {\"answer\": \"7\"}]}")
        #expect(good.status == 200)
        #expect(good.json["rewards"] as? [Double] == [1, 0])
        let out = served.end(pressing: true)
        #expect(out.hasSuffix("stopped serving correct after \(cases.count + 1) requests (\(cases.count) refused)\n"), "\(out)")
    }

    /// OpenRLHF's labels fill the field the reward reads (its --data.label_key column; "" when it has none);
    /// Llama 2's combination, whitened over a batch, refuses a batch of one, whose whitened reward would be 0.
    @Test func labelsAndWhitenedRewards() throws {
        let served = try Served(setup: "reward correct match", command: "serve reward correct port=0 requests=2")
        let rendered = "<|user|> Gus has 4 books and gets 2 more. How many? <|assistant|>"
        let labelled = served.post("{\"query\": [\"\(rendered) It is 6. <|end|>\", \"\(rendered) It is 7. <|end|>\"], "
            + "\"prompts\": [\"\(rendered)\", \"\(rendered)\"], \"labels\": [\"6\", \"6\"]}")
        #expect(labelled.status == 200 && labelled.json["rewards"] as? [Double] == [1, 0], "\(labelled.json)")
        let unlabelled = served.post("{\"query\": [\"\(rendered) It is 6.\"], \"prompts\": [\"\(rendered)\"], \"labels\": [\"\"]}")
        #expect(unlabelled.status == 400 && (unlabelled.json["error"] as? String)?.contains("response 0 has none") == true)
        _ = served.end(pressing: false)

        let models = "\(Self.root.path)/models"
        let llama2 = try Served(setup: "load model rm_helpful \"\(models)/rm_helpful\"\nload model rm_safe \"\(models)/rm_safe\"\n"
            + "reward l llama2 helpfulness=rm_helpful safety=rm_safe", command: "serve reward l port=0 requests=2")
        let one = llama2.post("{\"prompts\": [\"What animal does Lars keep?\"], \"responses\": [\"Lars has a hare.\"]}")
        #expect(one.status == 400 && (one.json["error"] as? String)?.contains("whitens over the batch") == true, "\(one.json)")
        let two = llama2.post("{\"prompts\": [\"What animal does Lars keep?\", \"What animal does Lars keep?\"], "
            + "\"responses\": [\"Lars has a hare.\", \"I do not know.\"]}")
        let rewards = try #require(two.json["rewards"] as? [Double])
        #expect(abs(rewards[0] + rewards[1]) < 1e-5 && rewards[0] > rewards[1], "whitened over the two: \(rewards)")
        _ = llama2.end(pressing: false)
    }

    @Test func aTakenPortIsAClearError() throws {
        let served = try Served(setup: "reward g gold", command: "serve reward g port=0")
        var out = ""
        let runner = Runner(session: Session(), write: { out += $0 }, writeError: { out += $0 })
        _ = runner.run(TextSource("reward g gold\nserve reward g port=\(served.port)", name: nil))
        #expect(out.contains("cannot serve on 127.0.0.1:\(served.port)"), "\(out)")
        #expect(out.contains("give another port= (0 picks a free one)"))
        _ = served.end(pressing: true)
    }
}
