import Dispatch
import Foundation
import Hummingbird
import Logging
import NIOCore

/// What a caller asks the reward server to score: responses to prompts, with
/// each prompt record's extra fields (an answer to check) and safety tag.
public struct RewardRequest: Sendable {
    public var prompts: [String]
    public var responses: [String]
    public var fields: [[String: String]]
    public var safety: [Bool]
}

/// A request the server refuses, with the reason it answers (HTTP 400).
public struct BadRewardRequest: Error {
    public let reason: String
    public init(_ reason: String) { self.reason = reason }
}

/// An HTTP server on the loopback that scores with one reward, speaking
/// OpenRLHF's remote reward model protocol (openrlhf/cli/serve_rm.py and
/// openrlhf/utils/remote_rm_utils.py, v0.11: POST /get_reward with
/// {"query": [prompt + response…], "prompts": […], "labels": […]}, answered
/// with {"rewards": […]}) and this tool's plainer form, {"prompts": […],
/// "responses": […]} with optional "fields" (one object of strings per
/// response) and "safety" (booleans). Requests are scored one at a time, in
/// the order they arrive; a malformed one gets a 400 with the reason.
public enum RewardServer {
    /// The largest request body read (bytes) and the most responses in one request.
    public static let maximumBody = 16 << 20, maximumItems = 65_536

    /// Serves until `isCancelled` (polled every 50 ms) or `maximumRequests`
    /// requests have been answered (0: no limit); OpenRLHF's labels fill the
    /// field `labelField`. `ready` gets the port it
    /// listens on (the system's choice for port 0), on the calling thread;
    /// `score` runs on one request at a time. Returns how many requests were
    /// answered and how many of them were refused; throws when the port cannot be bound.
    @discardableResult
    public static func serve(
        port: Int, maximumRequests: Int, labelField: String?, ready: (Int) -> Void,
        isCancelled: @escaping @Sendable () -> Bool,
        score: @escaping @Sendable (RewardRequest) throws -> [Double]
    ) throws -> (answered: Int, refused: Int) {
        let state = ServerState(score: score, labelField: labelField)
        let router = Router()
        router.post("/get_reward") { request, _ -> Response in
            let body: ByteBuffer
            do {
                body = try await request.body.collect(upTo: maximumBody)
            } catch {
                state.refuse()
                return reply(.contentTooLarge, ["error": "the body is larger than \(maximumBody) bytes"])
            }
            let answer = state.answer(Data(buffer: body))
            // The last reply is still to be written: the server stops a moment later.
            if maximumRequests > 0, state.answered >= maximumRequests { state.stop(after: 0.3) }
            return answer
        }
        router.get("/") { _, _ in reply(.ok, ["serving": "POST /get_reward"]) }
        let logger = Logger(label: "rlhf.serve") { _ in SwiftLogNoOpLogHandler() }
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)),
                              onServerRunning: { channel in state.port = channel.localAddress?.port ?? port },
                              logger: logger)
        let done = DispatchSemaphore(value: 0)
        let task = Task {
            do { try await app.runService(gracefulShutdownSignals: []) } catch { state.failure = error }
            done.signal()
        }
        var cancelled = false, announced = false
        while done.wait(timeout: .now() + .milliseconds(50)) == .timedOut {
            if !announced, let bound = state.port {
                ready(bound)
                announced = true
            }
            if !cancelled, isCancelled() || state.stopping(at: DispatchTime.now()) {
                task.cancel()
                cancelled = true
            }
        }
        if let failure = state.failure, !(failure is CancellationError) { throw failure }
        return (state.answered, state.refused)
    }

    /// A JSON reply.
    static func reply(_ status: HTTPResponse.Status, _ object: [String: Any]) -> Response {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        return Response(status: status, headers: [.contentType: "application/json"],
                        body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// The request in `body`, or why it is not one; OpenRLHF's labels become
    /// each response's `labelField` (an empty label is none).
    static func request(_ body: Data, labelField: String?) throws(BadRewardRequest) -> RewardRequest {
        guard let object = try? JSONSerialization.jsonObject(with: body) as? [String: Any] else {
            throw BadRewardRequest("the body is not a JSON object; send {\"prompts\": [...], \"responses\": [...]} "
                + "or OpenRLHF's {\"query\": [...], \"prompts\": [...]}")
        }
        func strings(_ key: String) throws(BadRewardRequest) -> [String]? {
            guard let value = object[key] else { return nil }
            guard let list = value as? [Any], let texts = list as? [String] else {
                throw BadRewardRequest("\"\(key)\" must be a list of strings")
            }
            return texts
        }
        guard let prompts = try strings("prompts") else { throw BadRewardRequest("\"prompts\" is missing: a list of strings") }
        guard prompts.count <= maximumItems else { throw BadRewardRequest("\(prompts.count) prompts; at most \(maximumItems) per request") }
        var responses: [String]
        if let given = try strings("responses") {
            responses = given
        } else if let queries = try strings("query") {
            // OpenRLHF's query is the prompt as the engine rendered it, then the response.
            guard queries.count == prompts.count else {
                throw BadRewardRequest("\(queries.count) queries for \(prompts.count) prompts; send one of each per response")
            }
            responses = []
            for (i, (query, prompt)) in zip(queries, prompts).enumerated() {
                guard query.hasPrefix(prompt) else { throw BadRewardRequest("query \(i) does not begin with prompt \(i)") }
                responses.append(String(query.dropFirst(prompt.count)))
            }
        } else {
            throw BadRewardRequest("\"responses\" (or OpenRLHF's \"query\") is missing: a list of strings")
        }
        guard responses.count == prompts.count else {
            throw BadRewardRequest("\(responses.count) responses for \(prompts.count) prompts; send one prompt per response")
        }
        var fields = [[String: String]](repeating: [:], count: prompts.count)
        if let value = object["fields"] {
            guard let list = value as? [Any], list.count == prompts.count else {
                throw BadRewardRequest("\"fields\" must be a list with one object per response")
            }
            for (i, item) in list.enumerated() {
                guard let record = item as? [String: Any] else { throw BadRewardRequest("fields[\(i)] is not an object") }
                for (key, v) in record {
                    // A number or a string, as a prompt record's field is kept: its JSON text, strings unquoted.
                    if let text = v as? String { fields[i][key] = text } else if let n = v as? NSNumber, !(v is Bool) {
                        fields[i][key] = n.stringValue
                    } else {
                        throw BadRewardRequest("fields[\(i)].\(key) must be a string or a number")
                    }
                }
            }
        } else if let labels = try strings("labels"), let labelField {
            // OpenRLHF's labels: one string per response, the record's --data.label_key column ("" without one).
            guard labels.count == prompts.count else { throw BadRewardRequest("\(labels.count) labels for \(prompts.count) prompts") }
            fields = labels.map { $0.isEmpty ? [:] : [labelField: $0] }
        }
        var safety = [Bool](repeating: false, count: prompts.count)
        if let value = object["safety"] {
            guard let flags = value as? [Bool], flags.count == prompts.count, !(value is [String]) else {
                throw BadRewardRequest("\"safety\" must be a list of booleans, one per response")
            }
            safety = flags
        }
        return RewardRequest(prompts: prompts, responses: responses, fields: fields, safety: safety)
    }
}

/// The server's state across requests: the score function, run one request at
/// a time under its own lock (the models it reads are not shared across
/// threads), and, under another that scoring never holds, the counts, the port
/// and when to stop, which the serving thread polls.
private final class ServerState: @unchecked Sendable {
    private let scoring = NSLock(), lock = NSLock()
    private let score: @Sendable (RewardRequest) throws -> [Double]
    private let labelField: String?
    private var count = 0, refusals = 0
    private var stopTime: DispatchTime?
    private var error: (any Error)?
    private var boundPort: Int?

    init(score: @escaping @Sendable (RewardRequest) throws -> [Double], labelField: String?) {
        self.score = score
        self.labelField = labelField
    }

    var answered: Int { lock.withLock { count } }
    var refused: Int { lock.withLock { refusals } }
    func refuse() { lock.withLock { count += 1; refusals += 1 } }
    func stop(after seconds: Double) { lock.withLock { stopTime = stopTime ?? .now() + seconds } }
    func stopping(at now: DispatchTime) -> Bool { lock.withLock { stopTime.map { now >= $0 } ?? false } }
    var port: Int? {
        get { lock.withLock { boundPort } }
        set { lock.withLock { boundPort = newValue } }
    }
    var failure: (any Error)? {
        get { lock.withLock { error } }
        set { lock.withLock { error = newValue } }
    }

    /// The reply to one request body.
    func answer(_ body: Data) -> Response {
        let reply: Response, refused: Bool
        do {
            let request = try RewardServer.request(body, labelField: labelField)
            let rewards = try scoring.withLock { try score(request) }
            if let bad = rewards.firstIndex(where: { !$0.isFinite }) {
                (reply, refused) = (RewardServer.reply(.internalServerError, ["error": "the reward of response \(bad) is not finite"]), true)
            } else {
                (reply, refused) = (RewardServer.reply(.ok, ["rewards": rewards, "scores": rewards]), false)
            }
        } catch let bad as BadRewardRequest {
            (reply, refused) = (RewardServer.reply(.badRequest, ["error": bad.reason]), true)
        } catch {
            (reply, refused) = (RewardServer.reply(.internalServerError, ["error": "\(error)"]), true)
        }
        lock.withLock {
            count += 1
            if refused { refusals += 1 }
        }
        return reply
    }
}
