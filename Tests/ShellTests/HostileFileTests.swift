import Files
import Foundation
import Kernels
import Shell
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Files from elsewhere as people and tools leave them: Windows line endings and
/// a byte order mark read as an editor shows them; special files refused, not
/// waited on; config values out of range named by the family's own keys; a tied
/// config whose weights hold a head of their own kept as transformers 5 keeps it.
@Suite final class HostileFileTests {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("rlhf-hostile-\(UUID().uuidString)")

    init() throws { try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true) }
    deinit { try? FileManager.default.removeItem(at: root) }

    func path(_ name: String) -> String { root.appendingPathComponent(name).path }

    func write(_ name: String, _ bytes: [UInt8]) throws {
        try Data(bytes).write(to: root.appendingPathComponent(name))
    }

    func run(_ lines: String, in session: Session = Session()) -> String {
        ModelFoldersTests.run(lines, in: session)
    }

    /// A script, a JSONL file and a text file saved with CR LF line endings and a
    /// byte order mark read line by line; `set` after `echo` in such a script runs.
    @Test func windowsLineEndingsAndAByteOrderMarkAreLineBreaks() throws {
        let bom: [UInt8] = [0xEF, 0xBB, 0xBF]
        try write("crlf.rlhf", bom + Array("echo one\r\nset x 3\r\necho two $x\r\n".utf8))
        try write("crlf.jsonl", bom + Array("{\"text\": \"a b\"}\r\n{\"text\": \"c d\"}\r\n".utf8))
        try write("crlf.txt", Array("first paragraph\r\nstill first\r\n\r\nsecond\r\n".utf8))
        let out = run("run \(path("crlf.rlhf"))\nload data d \(path("crlf.jsonl"))\nload data t \(path("crlf.txt"))\nshow t")
        #expect(out.hasPrefix("one\ntwo 3\n"), "\(out)")
        #expect(out.contains("d: 2 text records"), "\(out)")
        #expect(out.contains("t: 2 text records") && out.contains("1. first paragraph"), "\(out)")
        #expect(!out.contains("error"), "\(out)")
    }

    /// Text as editors save it: CR LF and a lone CR are line feeds, a leading byte
    /// order mark is dropped (one inside the text is kept), other text is untouched.
    @Test func textIsReadAsPeopleWriteIt() {
        #expect(Text.normalized("\u{FEFF}a\r\nb\rc\n") == "a\nb\nc\n")
        #expect(Text.normalized("a\u{FEFF}b") == "a\u{FEFF}b")
        #expect(Text.normalized("é\r\n\r\nö") == "é\n\nö")
        #expect(Text.normalized("plain\n") == "plain\n")
    }

    /// A file past the reader's limit, a folder, a missing file and bytes that are not
    /// UTF-8 are refused with what to do; a file at the limit is read whole.
    @Test func outsideFilesAreBoundedAndChecked() throws {
        try write("ten", Array(repeating: UInt8(ascii: "x"), count: 10))
        #expect(try OutsideFile.data(path("ten"), limit: 10).count == 10)
        #expect(throws: OutsideFileError(path: path("ten"), problem: "10 bytes, more than the 9 bytes read here; give a smaller file")) {
            try OutsideFile.data(path("ten"), limit: 9)
        }
        #expect(throws: OutsideFileError(path: root.path, problem: "a folder, not a regular file; give a regular file")) {
            try OutsideFile.data(root.path)
        }
        #expect(throws: OutsideFileError(path: path("none"), problem: "no such file")) { try OutsideFile.data(path("none")) }
        try write("latin1", [0x63, 0x61, 0x66, 0xE9])
        #expect(throws: OutsideFileError(path: path("latin1"), problem: "not UTF-8 text")) { try OutsideFile.text(path("latin1")) }
    }

    /// A named pipe where a script, data, a chat template, a config.json or the
    /// weights should be is refused at once (opening it to read would wait forever).
    @Test func namedPipesAreRefusedNotWaitedOn() throws {
        #expect(mkfifo(path("pipe"), 0o600) == 0)
        let made = run("load model sft\nsave model sft \(path("model"))")  // a model with a tokenizer
        #expect(!made.contains("error"), "\(made)")
        try FileManager.default.copyItem(atPath: path("model"), toPath: path("piped-config"))
        try FileManager.default.removeItem(atPath: path("piped-config") + "/config.json")
        #expect(mkfifo(path("piped-config") + "/config.json", 0o600) == 0)
        try FileManager.default.copyItem(atPath: path("model"), toPath: path("piped-weights"))
        try FileManager.default.removeItem(atPath: path("piped-weights") + "/model.safetensors")
        #expect(mkfifo(path("piped-weights") + "/model.safetensors", 0o600) == 0)
        let pipe = "a named pipe (FIFO), not a regular file; give a regular file"
        let cases = [
            "run \(path("pipe"))": "cannot read script \(path("pipe")): \(pipe)",
            "load data d \(path("pipe"))": "\(path("pipe")): \(pipe)",
            "load model t \(path("model")) chat_template=\(path("pipe"))": "cannot read the chat template \(path("pipe")): \(pipe)",
            "load model c \(path("piped-config"))": "\(path("piped-config"))/config.json: \(pipe)",
            "load model w \(path("piped-weights"))": "\(path("piped-weights"))/model.safetensors: \(pipe)",
        ]
        for (line, expected) in cases {
            let out = run(line)
            #expect(out.contains(expected), "\(line): \(out)")
        }
    }

    /// Sizes that are not whole numbers, a negative norm epsilon and a rotary base of
    /// 0 are refused with the key a Llama-family config.json uses.
    @Test func configValuesOutOfRangeNameTheFamilysKeys() throws {
        let made = run("""
            new model m vocab=300 layers=1 heads=2 width=32 context=16 family=llama seed=1
            save model m \(path("llama"))
            """)
        #expect(!made.contains("error"), "\(made)")
        let cases: [(String, Any, String)] = [
            ("num_hidden_layers", 2.5, "num_hidden_layers is 2.5; it must be a whole number"),
            ("num_attention_heads", 1e30, "num_attention_heads is 1e+30, past any size this engine takes"),
            ("rms_norm_eps", -1, "rms_norm_eps must be a positive number below 1 (is -1.0)"),
            ("rope_theta", 0, "rope_theta must be a positive number (is 0.0)"),
            ("num_attention_heads", 3, "hidden_size (32) must be a multiple of num_attention_heads (3)"),
        ]
        for (key, value, expected) in cases {
            let folder = path("llama-\(key)-\(value)")
            try FileManager.default.copyItem(atPath: path("llama"), toPath: folder)
            let configURL = URL(fileURLWithPath: folder + "/config.json")
            var config = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: configURL)) as? [String: Any])
            config[key] = value
            if key == "rope_theta" { config["rope_parameters"] = nil }
            try JSONSerialization.data(withJSONObject: config).write(to: configURL)
            let out = run("load model x \(folder)")
            #expect(out.contains(expected) && !out.contains(" n_head") && !out.contains("n_embd") && !out.contains("GPT-2 config"), "\(key): \(out)")
        }
    }

    /// tie_word_embeddings true beside an lm_head.weight that differs from the
    /// embedding: the head is kept, untied, and the load says so (transformers 5
    /// does the same); an lm_head equal to the embedding is the tie itself.
    @Test func aTiedConfigKeepsAHeadOfItsOwnAndSaysSo() throws {
        let session = Session()
        let made = run("""
            new model m vocab=300 layers=1 heads=2 width=32 context=16 family=llama tied=false seed=1
            save model m \(path("untied"))
            new model n vocab=300 layers=1 heads=2 width=32 context=16 family=llama seed=1
            save model n \(path("tied"))
            """, in: session)
        #expect(!made.contains("error"), "\(made)")
        let configURL = URL(fileURLWithPath: path("untied") + "/config.json")
        var config = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: configURL)) as? [String: Any])
        #expect(config["tie_word_embeddings"] as? Bool == false)
        config["tie_word_embeddings"] = true
        try JSONSerialization.data(withJSONObject: config).write(to: configURL)
        let out = run("load model u \(path("untied"))\nload model t \(path("tied"))", in: session)
        #expect(out.contains("note: config.json ties the LM head to the token embedding, but the weights hold a different "
            + "lm_head.weight: kept untied, as transformers 5 does"), "\(out)")
        #expect(session.models["u"]?.model.config.tiedHead == false && session.models["t"]?.model.config.tiedHead == true)
        #expect(out.components(separatedBy: "note:").count == 2, "only the untied one has a note: \(out)")
    }

    /// `save data` removes the hidden file a killed save to the same place left (its
    /// process gone), keeps one whose process still runs, and leaves nothing of its own.
    @Test func aSaveRemovesWhatKilledSavesLeftBesideIt() throws {
        let finished = Process()
        finished.executableURL = URL(fileURLWithPath: "/bin/true")
        try finished.run()
        finished.waitUntilExit()
        let dead = finished.processIdentifier
        try write("in.jsonl", Array("{\"text\": \"a b\"}\n".utf8))
        try write(".out.jsonl.rlhf-save-\(dead)-1f", Array(repeating: UInt8(ascii: "x"), count: 100_000))
        try write(".out.jsonl.rlhf-save-\(getpid())-2e", [1])  // a save still under way
        let out = run("load data d \(path("in.jsonl"))\nsave data d \(path("out.jsonl"))")
        #expect(!out.contains("error"), "\(out)")
        let names = try FileManager.default.contentsOfDirectory(atPath: root.path).sorted()
        #expect(names == [".out.jsonl.rlhf-save-\(getpid())-2e", "in.jsonl", "out.jsonl"])
        #expect(try String(contentsOfFile: path("out.jsonl"), encoding: .utf8) == "{\"text\": \"a b\"}\n")
    }

    /// Sizes a command line or a file sets are bounded: a variable doubled past
    /// 65,536 bytes, a ranking past 64 responses (its C(K,2) comparisons), a model
    /// past the machine's free memory are refused with the numbers; a ranking of 64
    /// lists its first 45 comparisons.
    @Test func sizesFromOutsideAreBounded() throws {
        let doubling = run("set a 0123456789\n" + String(repeating: "set a $a$a\n", count: 13) + "echo ${a}")
        #expect(doubling.contains("the value is 81920 bytes; a variable holds at most 65536"), "\(doubling.suffix(300))")

        func ranking(_ k: Int) -> String {
            "{\"prompt\": \"p\", \"responses\": [\((0..<k).map { "\"r\($0)\"" }.joined(separator: ", "))], "
                + "\"ranking\": [\((0..<k).map(String.init).joined(separator: ", "))]}\n"
        }
        try write("r64.jsonl", Array(ranking(64).utf8))
        try write("r65.jsonl", Array(ranking(65).utf8))
        let shown = run("load data r \(path("r64.jsonl"))\nshow comparisons r 1\nshow comparisons r 1 page=45\nshow comparisons r 1 page=46\n"
                        + "load data big \(path("r65.jsonl"))")
        #expect(shown.contains("C(64,2) = 2016 comparisons (winner > loser): A > B, A > C"), "\(shown.prefix(600))")
        #expect(shown.contains("\n  comparisons 1–45 of 2016; page=2 shows the next\n"), "\(shown)")
        #expect(shown.contains("\n  comparisons 1981–2016 of 2016 (the last page)\n"), "\(shown)")
        #expect(shown.contains("page 46 is past the last: 2016 items make 45 pages of 45"), "\(shown)")
        #expect(shown.contains("r65.jsonl:1: a ranking of 65 responses stands for 2080 comparisons; one holds at most 64 (2016 comparisons"),
                "\(shown.suffix(400))")

        // Every option in its range, 10.5G parameters: 42 GB in f32 (on a machine with less free).
        if let free = Machine.memoryAvailable(), free < 40 << 30 {
            let big = run("new model big layers=48 width=4096 vocab=200000 heads=64")
            #expect(big.contains("parameters in f32 take about 39.1 GB, more than the"), "\(big)")
        }
        // A model folder past what one command may take is refused before its tensors are read, and the session keeps its models.
        let folder = Bundle.module.url(forResource: "Transcripts", withExtension: nil)!.appendingPathComponent("hf-models/chat-qwen2").path
        let session = Session()
        let refused = run("new model m vocab=300 layers=1 heads=2 width=32\nset memory_limit 0.00001\nload model q \(folder)\n"
                          + "load model q \(folder) dtype=bf16\nset memory_limit 0\nload model q \(folder)", in: session)
        #expect(refused.contains("chat-qwen2: holding its 31520 parameters takes about 123 KB, more than the 10 KB one command may take "
                                 + "(set memory_limit); load it with dtype=bf16"), "\(refused)")
        #expect(refused.contains("more than the 10 KB one command may take (set memory_limit); free memory or use a larger machine"), "\(refused)")
        #expect(refused.contains("q: loaded 31.5k parameters"), "\(refused)")
        #expect(session.models["m"] != nil)
    }

    /// However many objects a session holds, show lists a page of them, and page=K the others.
    @Test func longListingsComeAPageAtATime() throws {
        try write("one.jsonl", Array("{\"text\": \"a\"}\n".utf8))
        let loads = (1...120).map { "load data d\($0) \(path("one.jsonl"))" }.joined(separator: "\n")
        let out = run(loads + "\nshow\nshow page=3\nshow page=4\nhistory")
        #expect(out.contains("  d50   dataset  1 text records\n  rows 1–50 of 120; page=2 shows the next\n"), "\(out.suffix(2000))")
        #expect(out.contains("  d120  dataset  1 text records\n  rows 101–120 of 120 (the last page)\n"), "\(out.suffix(2000))")
        #expect(out.contains("page 4 is past the last: 120 items make 3 pages of 50"), "\(out.suffix(600))")
        // history shows its newest lines: the last 50 of the 123 before it.
        #expect(out.contains("\n 74  load data d74 ") && !out.contains(" 73  load data d73 ")
                && out.hasSuffix("  the last 50 of 123 lines; page=1 lists them from the first\n"), "\(out.suffix(600))")
    }

    /// An adapter folder whose adapter_config.json is broken says so, not only "give base=".
    @Test func aBrokenAdapterConfigIsNamed() throws {
        try FileManager.default.createDirectory(atPath: path("adapter"), withIntermediateDirectories: true)
        try write("adapter/adapter_config.json", Array("{broken".utf8))
        try write("adapter/adapter_model.safetensors", [])
        let out = run("load model a \(path("adapter"))")
        #expect(out.contains("is a LoRA adapter, and its adapter_config.json is not a JSON object; give base=MODEL"), "\(out)")
    }
}
