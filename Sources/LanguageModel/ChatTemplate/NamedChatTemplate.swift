/// Chat formats a model without a template can be given by name (`load model …
/// chat_template=chatml`), written here in the Jinja subset from the formats'
/// published layouts: ChatML (OpenAI's, as Qwen and SmolLM write it:
/// `<|im_start|>ROLE\nTEXT<|im_end|>\n`), Llama 3's (Meta's model card:
/// `<|start_header_id|>ROLE<|end_header_id|>\n\nTEXT<|eot_id|>` after
/// `<|begin_of_text|>`) and Gemma's (Google's: `<start_of_turn>user\nTEXT<end_of_turn>\n`,
/// the assistant called `model`, a system message joined to the first user turn),
/// and the bundled world's markers (`world`).
/// Each needs its markers as single tokens of the model's tokenizer.
public struct NamedChatTemplate: Sendable {
    public let name: String
    public let source: String
    /// The tokens the format writes, which the tokenizer must hold as single tokens.
    public let markers: [String]

    public static let all: [NamedChatTemplate] = [
        NamedChatTemplate(name: "chatml", source: """
            {%- for message in messages %}{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}\
            {%- endfor %}{%- if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{%- endif %}
            """, markers: ["<|im_start|>", "<|im_end|>"]),
        NamedChatTemplate(name: "llama3", source: """
            {{- '<|begin_of_text|>' }}{%- for message in messages %}\
            {{- '<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n' + message['content'] | trim + '<|eot_id|>' }}\
            {%- endfor %}{%- if add_generation_prompt %}{{- '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}{%- endif %}
            """, markers: ["<|begin_of_text|>", "<|start_header_id|>", "<|end_header_id|>", "<|eot_id|>"]),
        NamedChatTemplate(name: "gemma", source: """
            {{- '<bos>' }}{%- set ns = namespace(system='') %}{%- for message in messages %}\
            {%- if message['role'] == 'system' %}{%- set ns.system = message['content'] | trim + '\\n\\n' %}{%- else %}\
            {%- set role = 'model' if message['role'] == 'assistant' else message['role'] %}\
            {{- '<start_of_turn>' + role + '\\n' + ns.system + message['content'] | trim + '<end_of_turn>\\n' }}\
            {%- set ns.system = '' %}{%- endif %}{%- endfor %}{%- if add_generation_prompt %}{{- '<start_of_turn>model\\n' }}{%- endif %}
            """, markers: ["<bos>", "<start_of_turn>", "<end_of_turn>"]),
        // The bundled world's format (DESIGN §2): `<|user|> PROMPT <|assistant|> RESPONSE<|end|>`, turn after turn,
        // no system turn; what `export` writes for a model without a template, so that other engines read it alike.
        NamedChatTemplate(name: "world", source: """
            {%- for message in messages %}{%- if message['role'] == 'user' %}{{- '<|user|> ' + message['content'] + ' <|assistant|>' }}\
            {%- elif message['role'] == 'assistant' %}{{- ' ' + message['content'] + '<|end|>' }}\
            {%- else %}{{- raise_exception('the world format has no ' + message['role'] + ' turn') }}{%- endif %}{%- endfor %}
            """, markers: ["<|user|>", "<|assistant|>", "<|end|>"]),
    ]

    /// The template called `name`, if there is one.
    public static func named(_ name: String) -> NamedChatTemplate? { all.first { $0.name == name } }
}
