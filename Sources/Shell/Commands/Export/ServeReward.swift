import Alignment
import Foundation
import LanguageModel
import RewardServer

extension Commands {
    static let serveReward = CommandSpec(
        "serve reward",
        arguments: [.argument("NAME", .name, "a reward defined with reward, or a reward model")],
        options: [.option("port", .integer(0...65535), "the port on 127.0.0.1 (0: any free one, printed)", default: "8000"),
                  .option("requests", .integer(0...Int.max), "stop after this many requests (0: at Ctrl-C)", default: "0")],
        summary: "score with a reward over HTTP on the loopback, for TRL, OpenRLHF and verl to call",
        help: """
            Listens on 127.0.0.1:PORT and answers POST /get_reward with the \
            reward NAME: any reward defined here, a reward model, Llama 2's \
            combination, an AI labeler, the gold labeler or a rule. It speaks \
            OpenRLHF's remote reward protocol ({"query": [prompt + response], \
            "prompts": [...], "labels": [...]} in, {"rewards": [...]} out; \
            --remote_rm_url http://127.0.0.1:PORT/get_reward) and a plainer \
            form, {"prompts": [...], "responses": [...]} with optional "fields" \
            (an object per response: the prompt record's answer for a match \
            reward) and "safety" (Llama 2's tags; a world prompt is tagged as the \
            world tags it); OpenRLHF's labels fill the field the reward reads. A \
            prompt in the world's chat format is read as its user turn, and its \
            answer without the end-of-turn marker as cut at the engine's token \
            limit. Each request is one batch: Llama 2's combination whitens over \
            it, so it refuses a request of one answer. An export's reward.py \
            holds the adapters TRL's, OpenRLHF's and verl's reward functions use. \
            A malformed request gets a 400 with the reason; the server stops at \
            Ctrl-C, or after `requests` requests, and leaves the session as it \
            was. Values: serve.requests.
            """,
        why: "no engine has the gold labeler, Llama 2's two-model rule or this world's AI labeler; served over HTTP, a run scaled up on GPUs can still be judged by the reward the learner understood here, and by gold to see how far its proxy misleads it.",
        examples: ["serve reward helpful", "serve reward g port=8011", "serve reward correct port=0 requests=4"]
    ) { invocation, context in
        let s = context.session
        let name = invocation.argument("NAME")
        let entry = try s.reward(name, in: invocation, argument: "NAME")
        let reward = entry.reward
        if reward.countsTokens {
            throw invocation.error("\(name) counts a response's tokens, which a caller's text does not carry; serve a reward without a length rule", at: "NAME")
        }
        let world = s.currentWorld
        let scorer = Scorer { request throws(BadRewardRequest) in
            if reward.whitens, request.prompts.count < 2 {
                throw BadRewardRequest("\(name) whitens over the batch (Llama 2's combination): send the batch's responses together, not one")
            }
            for field in reward.fields {
                if let i = request.fields.firstIndex(where: { $0[field] == nil }) {
                    throw BadRewardRequest("\(name) checks each prompt's \"\(field)\", and response \(i) has none: send \"fields\": [{\"\(field)\": …}, …]")
                }
            }
            let items = request.prompts.indices.map { i in
                let turn = plainTurn(request.prompts[i], request.responses[i])
                return RewardItem(prompt: turn.prompt, response: turn.response, unsafe: request.safety[i] || (world.task(for: turn.prompt)?.isUnsafe ?? false),
                                  ended: turn.ended, fields: request.fields[i])
            }
            return reward.scores(items).map { Double("\($0)")! }  // each Float's shortest decimal: 1.8, not 1.7999999523
        }
        let port = invocation.integer("port")
        let served: (answered: Int, refused: Int)
        do {
            served = try RewardServer.serve(port: port, maximumRequests: invocation.integer("requests"), labelField: reward.fields.first,
                                            ready: { bound in
                context.emit("serving \(name) (\(entry.about)) on http://127.0.0.1:\(bound)/get_reward; Ctrl-C stops")
            }, isCancelled: s.isCancelled, score: scorer.score)
        } catch {
            throw invocation.error("cannot serve on 127.0.0.1:\(port): \(error); give another port= (0 picks a free one)", at: "port")
        }
        s.values["serve.requests"] = Double(served.answered)
        return CommandOutput("stopped serving \(name) after \(served.answered) request\(served.answered == 1 ? "" : "s")"
            + (served.refused > 0 ? " (\(served.refused) refused)" : ""))
    }

    /// A prompt and response as the rewards here read them: a prompt rendered in
    /// the world's chat format (`<|user|> … <|assistant|>`, as OpenRLHF sends it)
    /// becomes its user message, and its response loses the space after the
    /// marker and the end-of-turn token, whose absence marks an answer cut at
    /// the engine's token limit; any other text stays as it is, ended.
    static func plainTurn(_ prompt: String, _ response: String) -> (prompt: String, response: String, ended: Bool) {
        typealias Marker = BPETokenizer.SpecialToken
        guard let user = prompt.range(of: Marker.user, options: .backwards),
              let assistant = prompt.range(of: Marker.assistant, range: user.upperBound..<prompt.endIndex) else { return (prompt, response, true) }
        var reply = response.trimmingCharacters(in: .whitespaces), ended = false
        for marker in [Marker.endOfText, Marker.endOfTurn] where reply.hasSuffix(marker) {
            reply = String(reply.dropLast(marker.count)).trimmingCharacters(in: .whitespaces)
            ended = ended || marker == Marker.endOfTurn
        }
        return (prompt[user.upperBound..<assistant.lowerBound].trimmingCharacters(in: .whitespaces), reply, ended)
    }
}

/// The session's reward as the server calls it: requests arrive on the
/// server's threads one at a time (RewardServer holds a lock around each), and
/// the models the reward reads are used by nothing else while it serves.
private struct Scorer: @unchecked Sendable {
    let body: (RewardRequest) throws(BadRewardRequest) -> [Double]

    init(_ body: @escaping (RewardRequest) throws(BadRewardRequest) -> [Double]) { self.body = body }

    func score(_ request: RewardRequest) throws -> [Double] { try body(request) }
}
