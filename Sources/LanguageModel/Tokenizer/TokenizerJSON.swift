import Files
import Foundation

/// Reads and writes tokenizers in the file formats of Hugging Face `tokenizers`
/// (`tokenizer.json`) and of OpenAI's GPT-2 release (`vocab.json` + `merges.txt`).
///
/// Format facts, from Hugging Face `tokenizers` (`tokenizers/src/models/bpe/serialization.rs`,
/// `pre_tokenizers/byte_level.rs`, `tokenizer/serialization.rs`):
/// - top-level keys `version` ("1.0"), `truncation`, `padding`, `added_tokens`,
///   `normalizer`, `pre_tokenizer`, `post_processor`, `decoder`, `model`;
/// - `model` has `type: "BPE"`, `vocab` (token -> id) and `merges`, each merge either the
///   legacy string `"a b"` (split on the single space) or, since `tokenizers` 0.20, a
///   two-element array `["a", "b"]`. Both are read; **the pair form is written**.
///
/// Written files are deterministic byte for byte: vocabulary in id order, merges in rank
/// order, added tokens in id order, JSON text produced by hand.
///
/// Only what ``BPETokenizer`` implements is accepted; anything that would make Hugging
/// Face encode differently is refused with ``TokenizerError/Problem/unsupportedSetting(_:)``:
/// a normalizer other than NFC or Llama 2's Prepend+Replace, a pre-tokenizer other than
/// ByteLevel (alone, or after Llama 3's or Qwen2's Split or SmolLM's Digits) or
/// Metaspace, BPE `dropout`, `continuing_subword_prefix`, `end_of_word_suffix`,
/// `byte_fallback` outside the SentencePiece-style layouts, and added tokens with
/// `lstrip`, `rstrip` or `single_word`. Every added token is treated as never split.
public enum TokenizerJSON {
    // MARK: - tokenizer.json

    /// Loads a `tokenizer.json` file.
    ///
    /// - Throws: ``TokenizerError`` naming the file.
    public static func load(contentsOf url: URL) throws -> BPETokenizer {
        let name = url.lastPathComponent
        let data: Data
        do {
            data = try OutsideFile.data(url.path)
        } catch {
            throw TokenizerError(.unreadable(error.problem), file: name)
        }
        return try load(data: data, fileName: name)
    }

    /// Loads `tokenizer.json` content; `fileName` names the source in errors.
    public static func load(data: Data, fileName: String) throws -> BPETokenizer {
        do {
            return try parseTokenizerJSON(data)
        } catch let error as TokenizerError {
            throw error.inFile(fileName)
        }
    }

    /// Writes `tokenizer` as a `tokenizer.json` file.
    public static func save(_ tokenizer: BPETokenizer, to url: URL) throws {
        do {
            try AtomicFile.write(Data(jsonText(for: tokenizer).utf8), to: url)
        } catch {
            throw TokenizerError(.unreadable(error.problem), file: url.lastPathComponent)
        }
    }

    /// The `tokenizer.json` text of `tokenizer` (deterministic).
    public static func jsonText(for tokenizer: BPETokenizer) -> String {
        let vocabulary = tokenizer.vocabulary.sorted { ($0.value, $0.key) < ($1.value, $1.key) }
        let added = tokenizer.specialTokens.sorted { ($0.value, $0.key) < ($1.value, $1.key) }
        var out = "{\n"
        out += "  \"version\": \"1.0\",\n"
        out += "  \"truncation\": null,\n"
        out += "  \"padding\": null,\n"
        out += "  \"added_tokens\": ["
        for (index, (content, id)) in added.enumerated() {
            out += index == 0 ? "\n" : ",\n"
            out += "    {\n"
            out += "      \"id\": \(id),\n"
            out += "      \"content\": \(jsonQuoted(content)),\n"
            out += "      \"single_word\": false,\n"
            out += "      \"lstrip\": false,\n"
            out += "      \"rstrip\": false,\n"
            out += "      \"normalized\": false,\n"
            out += "      \"special\": true\n"
            out += "    }"
        }
        out += added.isEmpty ? "],\n" : "\n  ],\n"
        out += tokenizer.spaceMarker.map { sentencePieceSettings($0, unknown: tokenizer.id(of: "<unk>") != nil) }
            ?? byteLevelSettings(tokenizer)
        out += "    \"ignore_merges\": \(tokenizer.ignoreMerges),\n"
        out += "    \"vocab\": {"
        for (index, (token, id)) in vocabulary.enumerated() {
            out += index == 0 ? "\n" : ",\n"
            out += "      \(jsonQuoted(token)): \(id)"
        }
        out += vocabulary.isEmpty ? "},\n" : "\n    },\n"
        out += "    \"merges\": ["
        for (index, (left, right)) in tokenizer.merges.enumerated() {
            out += index == 0 ? "\n" : ",\n"
            out += "      [\(jsonQuoted(left)), \(jsonQuoted(right))]"
        }
        out += tokenizer.merges.isEmpty ? "]\n" : "\n    ]\n"
        out += "  }\n"
        out += "}\n"
        return out
    }

    // MARK: - GPT-2 vocab.json + merges.txt

    /// Loads GPT-2's original pair of files: `vocab.json` (token -> id) and `merges.txt`
    /// (an optional `#version: 0.2` first line, then one `"a b"` merge per line).
    ///
    /// - Parameter specialTokens: tokens never split. Those in `vocab.json` keep their id
    ///   there (as GPT-2's `<|endoftext|>` = 50256); the others get the next ids, in order.
    /// - Throws: ``TokenizerError`` naming the file at fault (`merges.txt` for merge problems).
    public static func loadGPT2(
        vocabulary vocabularyURL: URL, merges mergesURL: URL,
        specialTokens: [String] = [BPETokenizer.SpecialToken.endOfText]
    ) throws -> BPETokenizer {
        let vocabularyName = vocabularyURL.lastPathComponent
        let mergesName = mergesURL.lastPathComponent
        let vocabulary: [String: Int32]
        do {
            let data = try readFile(vocabularyURL)
            let object = try parseJSON(data)
            guard let table = object as? [String: Any] else {
                throw TokenizerError(.wrongType(field: "(top level)", expected: "an object of token -> id"))
            }
            vocabulary = try readVocabulary(table, field: "(top level)")
        } catch let error as TokenizerError {
            throw error.inFile(vocabularyName)
        }

        var merges: [(String, String)] = []
        do {
            let text = Text.normalized(String(decoding: try readFile(mergesURL), as: UTF8.self))
            var lineNumber = 0
            for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
                lineNumber += 1
                let trimmed = line[...]
                if trimmed.isEmpty || (lineNumber == 1 && trimmed.hasPrefix("#version")) { continue }
                let parts = trimmed.split(separator: " ", omittingEmptySubsequences: false)
                guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
                    throw TokenizerError(.malformedMerge(index: merges.count, text: "line \(lineNumber): \"\(trimmed)\""))
                }
                merges.append((String(parts[0]), String(parts[1])))
            }
        } catch let error as TokenizerError {
            throw error.inFile(mergesName)
        }

        var specials: [String: Int32] = [:]
        var nextID = Int32((vocabulary.values.max() ?? -1) + 1)
        for token in specialTokens {
            if let id = vocabulary[token] {
                specials[token] = id
            } else if specials[token] == nil {
                specials[token] = nextID
                nextID += 1
            }
        }
        do {
            return try BPETokenizer(vocabulary: vocabulary, merges: merges, specialTokens: specials)
        } catch let error as TokenizerError {
            switch error.problem {
            case .unknownMergeToken, .mergeResultNotInVocabulary, .duplicateMerge:
                throw error.inFile(mergesName)
            default:
                throw error.inFile(vocabularyName)
            }
        }
    }

    // MARK: - Parsing

    private static func parseTokenizerJSON(_ data: Data) throws -> BPETokenizer {
        guard let root = try parseJSON(data) as? [String: Any] else {
            throw TokenizerError(.wrongType(field: "(top level)", expected: "an object"))
        }
        guard let modelValue = root["model"], !(modelValue is NSNull) else {
            throw TokenizerError(.missingField("model"))
        }
        guard let model = modelValue as? [String: Any] else {
            throw TokenizerError(.wrongType(field: "model", expected: "an object"))
        }
        if let type = model["type"] {
            guard let type = type as? String else {
                throw TokenizerError(.wrongType(field: "model.type", expected: "a string"))
            }
            guard type == "BPE" else { throw TokenizerError(.unsupportedModel(type)) }
        } else if model["merges"] == nil {
            throw TokenizerError(.missingField("model.type"))
        }
        let settings = try checkSettings(root: root, model: model)

        guard let vocabularyValue = model["vocab"] else { throw TokenizerError(.missingField("model.vocab")) }
        guard let vocabularyTable = vocabularyValue as? [String: Any] else {
            throw TokenizerError(.wrongType(field: "model.vocab", expected: "an object of token -> id"))
        }
        let vocabulary = try readVocabulary(vocabularyTable, field: "model.vocab")

        guard let mergesValue = model["merges"] else { throw TokenizerError(.missingField("model.merges")) }
        guard let mergeList = mergesValue as? [Any] else {
            throw TokenizerError(.wrongType(field: "model.merges", expected: "an array"))
        }
        var merges: [(String, String)] = []
        merges.reserveCapacity(mergeList.count)
        for (index, entry) in mergeList.enumerated() {
            if let text = entry as? String {
                let parts = text.split(separator: " ", omittingEmptySubsequences: false)
                guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
                    throw TokenizerError(.malformedMerge(index: index, text: "\"\(text)\""))
                }
                merges.append((String(parts[0]), String(parts[1])))
            } else if let pair = entry as? [Any], pair.count == 2,
                let left = pair[0] as? String, let right = pair[1] as? String
            {
                merges.append((left, right))
            } else {
                throw TokenizerError(.malformedMerge(index: index, text: String(describing: entry)))
            }
        }

        var specials: [String: Int32] = [:]
        if let addedValue = root["added_tokens"], !(addedValue is NSNull) {
            guard let added = addedValue as? [Any] else {
                throw TokenizerError(.wrongType(field: "added_tokens", expected: "an array"))
            }
            for (index, item) in added.enumerated() {
                let field = "added_tokens[\(index)]"
                guard let token = item as? [String: Any] else {
                    throw TokenizerError(.wrongType(field: field, expected: "an object"))
                }
                guard let content = token["content"] as? String else {
                    throw TokenizerError(.missingField("\(field).content"))
                }
                guard let idValue = token["id"] else { throw TokenizerError(.missingField("\(field).id")) }
                let id = try readID(idValue, token: content, field: "\(field).id")
                for flag in ["lstrip", "rstrip", "single_word"] where (token[flag] as? Bool) == true {
                    throw TokenizerError(.unsupportedSetting("\(field).\(flag) = true"))
                }
                if settings.spaceMarker != nil, (token["normalized"] as? Bool) == true {
                    // Matched after the normalizer (so "<s>" only as "▁<s>"): not implemented.
                    throw TokenizerError(.unsupportedSetting("\(field).normalized = true (\(content)) with a SentencePiece-style normalizer"))
                }
                if specials[content] != nil {
                    throw TokenizerError(.duplicateSpecialToken(content))
                }
                specials[content] = id
            }
        }
        return try BPETokenizer(vocabulary: vocabulary, merges: merges, specialTokens: specials, pattern: settings.pattern,
                                ignoreMerges: settings.ignoreMerges, composesText: settings.composesText,
                                spaceMarker: settings.spaceMarker)
    }

    /// Refuses settings that would make Hugging Face encode differently from us,
    /// and reads the ones that choose how we encode: the pre-tokenizer (GPT-2's
    /// ByteLevel with its regex, or Llama 3's or Qwen2's Split regex followed by
    /// ByteLevel without one), `ignore_merges`, and an NFC normalizer.
    private static func checkSettings(
        root: [String: Any], model: [String: Any]
    ) throws -> (pattern: PreTokenizer.Pattern, ignoreMerges: Bool, composesText: Bool, spaceMarker: SpaceMarker?) {
        if let marker = try spaceMarker(root: root, model: model) {
            for field in ["continuing_subword_prefix", "end_of_word_suffix"] {
                if let value = model[field], !(value is NSNull), (value as? String) != "" {
                    throw TokenizerError(.unsupportedSetting("model.\(field) = \(value)"))
                }
            }
            if let dropout = model["dropout"], !(dropout is NSNull), (dropout as? Double) != 0 {
                throw TokenizerError(.unsupportedSetting("model.dropout = \(dropout)"))
            }
            return (.gpt2, (model["ignore_merges"] as? Bool) == true, false, marker)
        }
        var composesText = false
        if let normalizer = root["normalizer"], !(normalizer is NSNull) {
            guard typeName(normalizer) == "NFC" else {
                throw TokenizerError(.unsupportedSetting("normalizer \(typeName(normalizer)) (only none or NFC)"))
            }
            composesText = true
        }
        guard let preValue = root["pre_tokenizer"], !(preValue is NSNull) else {
            throw TokenizerError(.unsupportedSetting("pre_tokenizer null (a ByteLevel pre-tokenizer is required)"))
        }
        var pattern = PreTokenizer.Pattern.gpt2
        var byteLevelValue = preValue
        if typeName(preValue) == "Sequence",
           let steps = (preValue as? [String: Any])?["pretokenizers"] as? [Any], steps.count == 2,
           let digits = steps[0] as? [String: Any], typeName(digits) == "Digits" {
            // [Digits(individual_digits), ByteLevel(use_regex: true)], as SmolLM writes it.
            guard (digits["individual_digits"] as? Bool) == true else {
                throw TokenizerError(.unsupportedSetting("pre_tokenizer Digits with individual_digits false"))
            }
            pattern = .digits
            byteLevelValue = steps[1]
        } else if typeName(preValue) == "Sequence" {
            // [Split(regex, Isolated), ByteLevel(use_regex: false)], as Llama 3 and Qwen2 write it.
            guard let steps = (preValue as? [String: Any])?["pretokenizers"] as? [Any], steps.count == 2,
                  let split = steps[0] as? [String: Any], typeName(split) == "Split" else {
                throw TokenizerError(.unsupportedSetting("pre_tokenizer Sequence other than [Split, ByteLevel] or [Digits, ByteLevel]"))
            }
            let regex = (split["pattern"] as? [String: Any])?["Regex"] as? String
            guard let found = PreTokenizer.Pattern.allCases.first(where: { $0.regex != nil && $0.regex == regex }) else {
                throw TokenizerError(.unsupportedSetting("pre_tokenizer Split pattern \(regex.map { "\"\($0)\"" } ?? "that is not a regex") (only Llama 3's and Qwen2's)"))
            }
            guard (split["behavior"] as? String) == "Isolated", (split["invert"] as? Bool) != true else {
                throw TokenizerError(.unsupportedSetting("pre_tokenizer Split behavior other than Isolated"))
            }
            guard ((steps[1] as? [String: Any])?["use_regex"] as? Bool) == false else {
                throw TokenizerError(.unsupportedSetting("pre_tokenizer Sequence whose ByteLevel also splits (use_regex not false)"))
            }
            pattern = found
            byteLevelValue = steps[1]
        }
        guard let pre = byteLevelValue as? [String: Any], (pre["type"] as? String) == "ByteLevel" else {
            throw TokenizerError(.unsupportedSetting("pre_tokenizer \(typeName(preValue)) (only ByteLevel, or Split then ByteLevel)"))
        }
        if (pre["add_prefix_space"] as? Bool) == true {
            throw TokenizerError(.unsupportedSetting("pre_tokenizer.add_prefix_space = true"))
        }
        if (pattern == .gpt2 || pattern == .digits) && (pre["use_regex"] as? Bool) == false {
            throw TokenizerError(.unsupportedSetting("pre_tokenizer.use_regex = false"))
        }
        if let dropout = model["dropout"], !(dropout is NSNull), (dropout as? Double) != 0 {
            throw TokenizerError(.unsupportedSetting("model.dropout = \(dropout)"))
        }
        for field in ["continuing_subword_prefix", "end_of_word_suffix"] {
            if let value = model[field], !(value is NSNull), (value as? String) != "" {
                throw TokenizerError(.unsupportedSetting("model.\(field) = \(value)"))
            }
        }
        if (model["byte_fallback"] as? Bool) == true {
            throw TokenizerError(.unsupportedSetting("model.byte_fallback = true"))
        }
        return (pattern, (model["ignore_merges"] as? Bool) == true, composesText, nil)
    }

    /// The SentencePiece-style layouts (see ``SpaceMarker``): Llama 2's legacy normalizer
    /// `Sequence[Prepend("▁"), Replace(" ", "▁")]` with no pre-tokenizer, or the Metaspace
    /// pre-tokenizer; either with `byte_fallback`. Nil for anything else.
    private static func spaceMarker(root: [String: Any], model: [String: Any]) throws -> SpaceMarker? {
        let normalizer = root["normalizer"].flatMap { $0 is NSNull ? nil : $0 }
        let pre = root["pre_tokenizer"].flatMap { $0 is NSNull ? nil : $0 }
        let marker: SpaceMarker
        if let normalizer, typeName(normalizer) == "Sequence",
           let steps = (normalizer as? [String: Any])?["normalizers"] as? [[String: Any]],
           steps.contains(where: { typeName($0) == "Prepend" }) {
            let prepend = steps.count == 2 && typeName(steps[0]) == "Prepend" && (steps[0]["prepend"] as? String) == SpaceMarker.markerString
            let replace = steps.count == 2 && typeName(steps[1]) == "Replace"
                && ((steps[1]["pattern"] as? [String: Any])?["String"] as? String) == " "
                && (steps[1]["content"] as? String) == SpaceMarker.markerString
            guard prepend && replace else {
                throw TokenizerError(.unsupportedSetting("normalizer Sequence other than [Prepend(\"▁\"), Replace(\" \", \"▁\")]"))
            }
            guard pre == nil else { throw TokenizerError(.unsupportedSetting("a pre_tokenizer after Llama 2's normalizer")) }
            marker = SpaceMarker(legacy: true)
        } else if let pre = pre as? [String: Any], typeName(pre) == "Metaspace" {
            guard normalizer == nil else { throw TokenizerError(.unsupportedSetting("a normalizer before the Metaspace pre-tokenizer")) }
            guard (pre["replacement"] as? String) == SpaceMarker.markerString else {
                throw TokenizerError(.unsupportedSetting("pre_tokenizer Metaspace replacement other than \"▁\""))
            }
            let prepend: SpaceMarker.Prepend
            if let scheme = pre["prepend_scheme"] as? String {
                guard let p = SpaceMarker.Prepend(rawValue: scheme) else {
                    throw TokenizerError(.unsupportedSetting("pre_tokenizer Metaspace prepend_scheme \(scheme)"))
                }
                prepend = p
            } else {
                prepend = (pre["add_prefix_space"] as? Bool) == false ? .never : .always  // before prepend_scheme existed
            }
            marker = SpaceMarker(legacy: false, prepend: prepend, split: (pre["split"] as? Bool) ?? true)
        } else {
            return nil
        }
        guard (model["byte_fallback"] as? Bool) == true else {
            throw TokenizerError(.unsupportedSetting("a SentencePiece-style tokenizer without byte_fallback"))
        }
        return marker
    }

    private static func typeName(_ value: Any) -> String {
        if let object = value as? [String: Any], let type = object["type"] as? String { return type }
        return String(describing: value)
    }

    private static func readVocabulary(_ table: [String: Any], field: String) throws -> [String: Int32] {
        var vocabulary: [String: Int32] = [:]
        vocabulary.reserveCapacity(table.count)
        // Sorted, so that the first bad entry reported is always the same one.
        for (token, value) in table.sorted(by: { $0.key < $1.key }) {
            vocabulary[token] = try readID(value, token: token, field: "\(field)[\(token)]")
        }
        return vocabulary
    }

    private static func readID(_ value: Any, token: String, field: String) throws -> Int32 {
        guard let number = value as? Int else {
            throw TokenizerError(.wrongType(field: field, expected: "an integer id"))
        }
        guard let id = Int32(exactly: number), id >= 0 else {
            throw TokenizerError(.idOutOfRange(token: token, id: number, count: Int(Int32.max)))
        }
        return id
    }

    private static func readFile(_ url: URL) throws -> Data {
        do {
            return try OutsideFile.data(url.path)
        } catch {
            throw TokenizerError(.unreadable(error.problem))
        }
    }

    private static func parseJSON(_ data: Data) throws -> Any {
        do {
            return try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
        } catch {
            let reason = (error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String
            throw TokenizerError(.invalidJSON(reason ?? error.localizedDescription))
        }
    }
}
