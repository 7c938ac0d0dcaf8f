@testable import Datasets
import Testing

/// Every kind of record survives a JSONL round trip (save data, then load data).
@Suite struct RecordJSONLTests {
    static let awkward = "He said \"hi\"\\ then\nleft\t— ünïcödé \u{01}"

    @Test(arguments: [
        [Record.text(awkward), .text("")],
        [.completion(prompt: awkward, completion: "3 + 4 = 7.")],
        [.messages([Message(role: "user", content: awkward), Message(role: "assistant", content: "ok")])],
        [.preference(prompt: "p", chosen: awkward, rejected: "b", margin: nil, rating: .slightlyBetter),
         .preference(prompt: "p", chosen: "a", rejected: "b", margin: 0.5, rating: nil),
         .preference(prompt: "p", chosen: "a", rejected: "b", margin: 1, rating: nil),
         .preference(prompt: "p", chosen: "a", rejected: "b", margin: 0, rating: nil),
         .preference(prompt: "p", chosen: "a", rejected: "b", margin: nil, rating: nil),
         .preference(prompt: "p", chosen: "a", rejected: "b", margin: nil, rating: .better, probability: 0.8125),
         .preference(prompt: "p", chosen: "a", rejected: "b", margin: nil, rating: .significantlyBetter, probability: 1),
         .preference(prompt: "p", chosen: "a", rejected: "b", margin: nil, rating: nil, probability: 0)],
        [.ranking(prompt: awkward, responses: ["a", "b", awkward], ranking: [2, 0, 1]),
         .ranking(prompt: "p", responses: ["a", "b", "c"], ranking: [2, 0, 1], truncated: [0, 2])],
        [.completion(prompt: "p", completion: "3 + 4 = 7. Let me", truncated: true), .completion(prompt: "p", completion: "7.")],
        [.unpaired(prompt: awkward, completion: "7.", label: true), .unpaired(prompt: "p", completion: "8. Let", label: false, truncated: true)],
        [.preference(prompt: "p", chosen: "a", rejected: "b", margin: nil, rating: .better, truncated: .chosen),
         .preference(prompt: "p", chosen: "a", rejected: "b", margin: nil, truncated: .rejected),
         .preference(prompt: "p", chosen: "a", rejected: "b", margin: 1, truncated: [.chosen, .rejected])],
        [.prompt(awkward, task: "fact", safety: true), .prompt("q", task: nil, safety: false)],
        [.prompt("q", task: nil, safety: false, fields: PromptFields(json: ["answer": "72", "solution": "\"3 + 4 #### 7\"",
                                                                          "tags": "[\"a\",1]"]))],
    ])
    func roundTrip(_ records: [Record]) throws {
        let text = records.map { $0.jsonLine + "\n" }.joined()
        let back = try DataFile.jsonl(text, path: "test.jsonl")
        #expect(back.records == records, "\(text)")
    }
}

/// A soft label outside 0…1, or not a number, names its line and field.
@Suite struct SoftLabelJSONLTests {
    @Test(arguments: ["1.5", "-0.1", "\"high\"", "true"])
    func badProbabilityNamesTheLine(_ value: String) {
        let text = "{\"prompt\": \"p\", \"chosen\": \"a\", \"rejected\": \"b\"}\n"
            + "{\"prompt\": \"p\", \"chosen\": \"a\", \"rejected\": \"b\", \"probability\": \(value)}\n"
        #expect(throws: DataFileError(path: "soft.jsonl", line: 2,
                                      problem: "\"probability\" must be a number from 0 to 1 (how likely chosen is the better)")) {
            try DataFile.jsonl(text, path: "soft.jsonl")
        }
    }

    /// A prompt record's other fields are kept as their JSON: a number stays a
    /// number, a string reads as its contents; a field of another record shape is refused.
    @Test func promptFields() throws {
        let data = try DataFile.jsonl("""
            {"prompt": "How many?", "answer": 72, "solution": "total 72", "meta": {"b": 2, "a": [1]}}
            """, path: "gsm.jsonl")
        guard case let .prompt(p, task, safety, fields) = data.records[0] else { Issue.record("not a prompt record"); return }
        #expect(p == "How many?" && task == nil && !safety)
        #expect(fields.names == ["answer", "meta", "solution"])
        #expect(fields["answer"] == "72" && fields["solution"] == "total 72" && fields["meta"] == #"{"a":[1],"b":2}"#)
        #expect(data.records[0].jsonLine == #"{"prompt": "How many?", "safety": false, "answer": 72, "meta": {"a":[1],"b":2}, "solution": "total 72"}"#)
        #expect(throws: DataFileError.self) { try DataFile.jsonl(#"{"prompt": "p", "margin": 1}"#, path: "x.jsonl") }
        #expect(throws: DataFileError.self) { try DataFile.jsonl(#"{"prompt": "p", "safety": 1}"#, path: "x.jsonl") }
    }
}
