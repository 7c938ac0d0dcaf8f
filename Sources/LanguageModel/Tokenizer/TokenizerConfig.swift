import Foundation

/// What rlhf reads of `tokenizer_config.json` (and `chat_template.jinja`, where newer
/// transformers save the template): the chat template and the special tokens it names.
public enum TokenizerConfig {
    public static let fileName = "tokenizer_config.json", templateFileName = "chat_template.jinja"
    /// The longest chat template file read: real ones are a few kilobytes.
    public static let templateLimit = 1 << 20
    /// The special-token variables a template may read, as transformers passes them.
    static let specialTokenKeys = ["bos_token", "eos_token", "unk_token", "pad_token"]

    /// The chat template of a model folder: `chat_template.jinja` when given, else
    /// tokenizer_config.json's `chat_template` (a string, or a list of named templates of
    /// which "default" is taken); nil when there is none.
    ///
    /// - Throws: ``TokenizerError`` naming the file: invalid JSON, a field of the wrong type,
    ///   or a template the Jinja subset cannot read (the construct and line named).
    public static func chatTemplate(config: Data?, jinja: String?) throws -> ChatTemplate? {
        var tokens: [String: String] = [:]
        var text = jinja
        var file = templateFileName
        if let config {
            let json: HeaderJSON
            do { json = try HeaderJSONParser.parse(Array(config)) } catch {
                throw TokenizerError(.invalidJSON(error.message), file: fileName)
            }
            for key in specialTokenKeys {
                switch json[key] {
                case nil, .null?: break
                case .string(let s)?: tokens[key] = s
                case let object? where object["content"] != nil:
                    guard case .string(let s)? = object["content"] else {
                        throw TokenizerError(.wrongType(field: "\(key).content", expected: "a string"), file: fileName)
                    }
                    tokens[key] = s
                default: throw TokenizerError(.wrongType(field: key, expected: "a string or an added token"), file: fileName)
                }
            }
            if text == nil {
                file = fileName
                switch json["chat_template"] {
                case nil, .null?: break
                case .string(let s)?: text = s
                case .array(let named)?:
                    let chosen = named.first { if case .string("default")? = $0["name"] { true } else { false } } ?? named.first
                    guard case .string(let s)? = chosen?["template"] else {
                        throw TokenizerError(.wrongType(field: "chat_template", expected: "a string or a list of {name, template}"), file: fileName)
                    }
                    text = s
                default:
                    throw TokenizerError(.wrongType(field: "chat_template", expected: "a string or a list of {name, template}"), file: fileName)
                }
            }
        }
        guard let text else { return nil }
        do { return try ChatTemplate(text, specialTokens: tokens) } catch let error as JinjaError {
            throw TokenizerError(.chatTemplate("\(error)"), file: file)
        }
    }

    /// tokenizer_config.json for a tokenizer with a chat template: the template and its
    /// special tokens, which transformers reads back with the tokenizer.json beside it.
    public static func jsonText(for template: ChatTemplate) -> String {
        var members = ["  \"chat_template\": \(jsonQuoted(template.source))"]
        for key in specialTokenKeys.sorted() {
            if let token = template.specialTokens[key] { members.append("  \"\(key)\": \(jsonQuoted(token))") }
        }
        members.append("  \"tokenizer_class\": \"PreTrainedTokenizerFast\"")
        return "{\n" + members.joined(separator: ",\n") + "\n}\n"
    }
}
