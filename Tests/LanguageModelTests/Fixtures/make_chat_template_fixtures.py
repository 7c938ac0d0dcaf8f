#!/usr/bin/env python3
"""Writes the chat-template fixtures for the Swift Jinja interpreter, rendered by transformers itself.

Run from anywhere:  python3 make_chat_template_fixtures.py
Needs transformers (5.x) and jinja2 (>= 3.1.6). No network, no model download: the templates are
data written out below, each with the model it comes from.

It writes, next to itself:

  chat_templates.json     a list of real chat templates, each with conversations rendered the way
                          `tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=...)`
                          renders them, and the conversations the template refuses (raise_exception).
  jinja_expressions.json  small templates, one Jinja feature each, rendered by the same environment.
                          Context = the case's "variables" only; the globals above stay available.

How the rendering is done (so the Swift side can reproduce the context exactly):

* transformers.utils.chat_template_utils.render_jinja_template, the function apply_chat_template calls.
  Its environment: jinja2 ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True,
  extensions=[loopcontrols, generation tag]); filter `tojson` replaced by
  json.dumps(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False) (so no HTML escaping,
  non-ASCII kept, ", " and ": " separators, key order kept); globals raise_exception(msg),
  strftime_now(fmt), namespace(...), dict(...).
* The context of one render is:  messages, tools (None unless given in "extra"), documents (None),
  add_generation_prompt, bos_token and eos_token (only when the case's token is not null), and the
  entries of "extra". apply_chat_template passes every named special token of the tokenizer; the
  templates here read only bos_token and eos_token.
  Note `tools` is *defined* (as None) in every render, like in apply_chat_template; the templates give the
  same text whether it is None or undefined.
* Messages are normalized like apply_chat_template does (keys whose value is None are dropped).
* A render with "globals_removed": ["strftime_now"] was rendered with that global deleted from the
  environment, so the template's `strftime_now is defined` is false (and its fallback date is used).
* Every dict given to a template (messages, tools, variables) is written with its keys in sorted order,
  at every depth, so a JSON reader that loses key order and one that keeps it see the same dicts
  (it matters for tojson and for dict iteration).

Output is deterministic: no dates, no randomness, json.dumps(ensure_ascii=False, indent=1).
"""

import json
import os

import jinja2
import transformers
from transformers.utils import chat_template_utils as ctu

HERE = os.path.dirname(os.path.abspath(__file__))

# ---------------------------------------------------------------------------------------------
# The templates. Text is the `chat_template` string of the model's tokenizer_config.json.
# ---------------------------------------------------------------------------------------------

# HuggingFaceTB/SmolLM2-135M-Instruct (identical in SmolLM2-360M-Instruct and SmolLM2-1.7B-Instruct).
# The '\n' inside the Jinja string literals are real newline characters in the file (JSON "\n").
SMOLLM2 = (
    "{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}"
    "{{ '<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n' }}"
    "{% endif %}{{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n'}}"
    "{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"
)

# Qwen/Qwen2.5-0.5B-Instruct (the same template ships with every Qwen2.5 Instruct size).
# Here the '\n' inside Jinja literals are Jinja escapes (backslash + n, JSON "\\n"); line breaks are real.
QWEN25 = r'''{%- if tools %}
    {{- '<|im_start|>system\n' }}
    {%- if messages[0]['role'] == 'system' %}
        {{- messages[0]['content'] }}
    {%- else %}
        {{- 'You are Qwen, created by Alibaba Cloud. You are a helpful assistant.' }}
    {%- endif %}
    {{- "\n\n# Tools\n\nYou may call one or more functions to assist with the user query.\n\nYou are provided with function signatures within <tools></tools> XML tags:\n<tools>" }}
    {%- for tool in tools %}
        {{- "\n" }}
        {{- tool | tojson }}
    {%- endfor %}
    {{- "\n</tools>\n\nFor each function call, return a json object with function name and arguments within <tool_call></tool_call> XML tags:\n<tool_call>\n{\"name\": <function-name>, \"arguments\": <args-json-object>}\n</tool_call><|im_end|>\n" }}
{%- else %}
    {%- if messages[0]['role'] == 'system' %}
        {{- '<|im_start|>system\n' + messages[0]['content'] + '<|im_end|>\n' }}
    {%- else %}
        {{- '<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\n' }}
    {%- endif %}
{%- endif %}
{%- for message in messages %}
    {%- if (message.role == "user") or (message.role == "system" and not loop.first) or (message.role == "assistant" and not message.tool_calls) %}
        {{- '<|im_start|>' + message.role + '\n' + message.content + '<|im_end|>' + '\n' }}
    {%- elif message.role == "assistant" %}
        {{- '<|im_start|>' + message.role }}
        {%- if message.content %}
            {{- '\n' + message.content }}
        {%- endif %}
        {%- for tool_call in message.tool_calls %}
            {%- if tool_call.function is defined %}
                {%- set tool_call = tool_call.function %}
            {%- endif %}
            {{- '\n<tool_call>\n{"name": "' }}
            {{- tool_call.name }}
            {{- '", "arguments": ' }}
            {{- tool_call.arguments | tojson }}
            {{- '}\n</tool_call>' }}
        {%- endfor %}
        {{- '<|im_end|>\n' }}
    {%- elif message.role == "tool" %}
        {%- if (loop.index0 == 0) or (messages[loop.index0 - 1].role != "tool") %}
            {{- '<|im_start|>user' }}
        {%- endif %}
        {{- '\n<tool_response>\n' }}
        {{- message.content }}
        {{- '\n</tool_response>' }}
        {%- if loop.last or (messages[loop.index0 + 1].role != "tool") %}
            {{- '<|im_end|>\n' }}
        {%- endif %}
    {%- endif %}
{%- endfor %}
{%- if add_generation_prompt %}
    {{- '<|im_start|>assistant\n' }}
{%- endif %}
'''

# TinyLlama/TinyLlama-1.1B-Chat-v1.0 (the Zephyr template, as in HuggingFaceH4/zephyr-7b-beta).
# Real newlines everywhere, including inside the Jinja string literals; no newline at the end.
TINYLLAMA = (
    "{% for message in messages %}\n"
    "{% if message['role'] == 'user' %}\n"
    "{{ '<|user|>\n' + message['content'] + eos_token }}\n"
    "{% elif message['role'] == 'system' %}\n"
    "{{ '<|system|>\n' + message['content'] + eos_token }}\n"
    "{% elif message['role'] == 'assistant' %}\n"
    "{{ '<|assistant|>\n'  + message['content'] + eos_token }}\n"
    "{% endif %}\n"
    "{% if loop.last and add_generation_prompt %}\n"
    "{{ '<|assistant|>' }}\n"
    "{% endif %}\n"
    "{% endfor %}"
)

# meta-llama/Llama-3.2-1B-Instruct (identical in Llama-3.2-3B-Instruct). Jinja escapes as in QWEN25.
LLAMA32 = r'''{{- bos_token }}
{%- if custom_tools is defined %}
    {%- set tools = custom_tools %}
{%- endif %}
{%- if not tools_in_user_message is defined %}
    {%- set tools_in_user_message = true %}
{%- endif %}
{%- if not date_string is defined %}
    {%- if strftime_now is defined %}
        {%- set date_string = strftime_now("%d %b %Y") %}
    {%- else %}
        {%- set date_string = "26 Jul 2024" %}
    {%- endif %}
{%- endif %}
{%- if not tools is defined %}
    {%- set tools = none %}
{%- endif %}

{#- This block extracts the system message, so we can slot it into the right place. #}
{%- if messages[0]['role'] == 'system' %}
    {%- set system_message = messages[0]['content']|trim %}
    {%- set messages = messages[1:] %}
{%- else %}
    {%- set system_message = "" %}
{%- endif %}

{#- System message #}
{{- "<|start_header_id|>system<|end_header_id|>\n\n" }}
{%- if tools is not none %}
    {{- "Environment: ipython\n" }}
{%- endif %}
{{- "Cutting Knowledge Date: December 2023\n" }}
{{- "Today Date: " + date_string + "\n\n" }}
{%- if tools is not none and not tools_in_user_message %}
    {{- "You have access to the following functions. To call a function, please respond with JSON for a function call." }}
    {{- 'Respond in the format {"name": function name, "parameters": dictionary of argument name and its value}.' }}
    {{- "Do not use variables.\n\n" }}
    {%- for t in tools %}
        {{- t | tojson(indent=4) }}
        {{- "\n\n" }}
    {%- endfor %}
{%- endif %}
{{- system_message }}
{{- "<|eot_id|>" }}

{#- Custom tools are passed in a user message with some extra guidance #}
{%- if tools_in_user_message and not tools is none %}
    {#- Extract the first user message so we can plug it in here #}
    {%- if messages | length != 0 %}
        {%- set first_user_message = messages[0]['content']|trim %}
        {%- set messages = messages[1:] %}
    {%- else %}
        {{- raise_exception("Cannot put tools in the first user message when there's no first user message!") }}
{%- endif %}
    {{- '<|start_header_id|>user<|end_header_id|>\n\n' -}}
    {{- "Given the following functions, please respond with a JSON for a function call " }}
    {{- "with its proper arguments that best answers the given prompt.\n\n" }}
    {{- 'Respond in the format {"name": function name, "parameters": dictionary of argument name and its value}.' }}
    {{- "Do not use variables.\n\n" }}
    {%- for t in tools %}
        {{- t | tojson(indent=4) }}
        {{- "\n\n" }}
    {%- endfor %}
    {{- first_user_message + "<|eot_id|>"}}
{%- endif %}

{%- for message in messages %}
    {%- if not (message.role == 'ipython' or message.role == 'tool' or 'tool_calls' in message) %}
        {{- '<|start_header_id|>' + message['role'] + '<|end_header_id|>\n\n'+ message['content'] | trim + '<|eot_id|>' }}
    {%- elif 'tool_calls' in message %}
        {%- if not message.tool_calls|length == 1 %}
            {{- raise_exception("This model only supports single tool-calls at once!") }}
        {%- endif %}
        {%- set tool_call = message.tool_calls[0].function %}
        {{- '<|start_header_id|>assistant<|end_header_id|>\n\n' -}}
        {{- '{"name": "' + tool_call.name + '", ' }}
        {{- '"parameters": ' }}
        {{- tool_call.arguments | tojson }}
        {{- "}" }}
        {{- "<|eot_id|>" }}
    {%- elif message.role == "tool" or message.role == "ipython" %}
        {{- "<|start_header_id|>ipython<|end_header_id|>\n\n" }}
        {%- if message.content is mapping or message.content is iterable %}
            {{- message.content | tojson }}
        {%- else %}
            {{- message.content }}
        {%- endif %}
        {{- "<|eot_id|>" }}
    {%- endif %}
{%- endfor %}
{%- if add_generation_prompt %}
    {{- '<|start_header_id|>assistant<|end_header_id|>\n\n' }}
{%- endif %}
'''

# meta-llama/Llama-2-7b-chat-hf. One line; the '\n' in '<<SYS>>\n' are Jinja escapes (JSON "\\n").
LLAMA2 = (
    "{% if messages[0]['role'] == 'system' %}{% set loop_messages = messages[1:] %}"
    "{% set system_message = messages[0]['content'] %}{% else %}{% set loop_messages = messages %}"
    "{% set system_message = false %}{% endif %}{% for message in loop_messages %}"
    "{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}"
    "{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}"
    "{% if loop.index0 == 0 and system_message != false %}"
    "{% set content = '<<SYS>>\\n' + system_message + '\\n<</SYS>>\\n\\n' + message['content'] %}"
    "{% else %}{% set content = message['content'] %}{% endif %}"
    "{% if message['role'] == 'user' %}{{ bos_token + '[INST] ' + content.strip() + ' [/INST]' }}"
    "{% elif message['role'] == 'assistant' %}{{ ' '  + content.strip() + ' ' + eos_token }}{% endif %}"
    "{% endfor %}"
)

# mistralai/Mistral-7B-Instruct-v0.2, template as first published (the same text shipped with
# mistralai/Mixtral-8x7B-Instruct-v0.1). One line, no system role.
MISTRAL_V02 = (
    "{{ bos_token }}{% for message in messages %}"
    "{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}"
    "{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}"
    "{% if message['role'] == 'user' %}{{ '[INST] ' + message['content'] + ' [/INST]' }}"
    "{% elif message['role'] == 'assistant' %}{{ message['content'] + eos_token}}"
    "{% else %}{{ raise_exception('Only user and assistant roles are supported!') }}{% endif %}{% endfor %}"
)

# The later, system-message-aware Mistral Instruct template (2024 revision). Jinja escapes '\n\n'.
MISTRAL_2024 = r'''{%- if messages[0]['role'] == 'system' %}
    {%- set system_message = messages[0]['content'] %}
    {%- set loop_messages = messages[1:] %}
{%- else %}
    {%- set loop_messages = messages %}
{%- endif %}

{{- bos_token }}
{%- for message in loop_messages %}
    {%- if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}
        {{- raise_exception('After the optional system message, conversation roles must alternate user/assistant/user/assistant/...') }}
    {%- endif %}
    {%- if message['role'] == 'user' %}
        {%- if loop.first and system_message is defined %}
            {{- ' [INST] ' + system_message + '\n\n' + message['content'] + ' [/INST]' }}
        {%- else %}
            {{- ' [INST] ' + message['content'] + ' [/INST]' }}
        {%- endif %}
    {%- elif message['role'] == 'assistant' %}
        {{- ' ' + message['content'] + eos_token}}
    {%- else %}
        {{- raise_exception('Only user and assistant roles are supported, with the exception of an initial optional system message!') }}
    {%- endif %}
{%- endfor %}
'''

# Qwen/Qwen2-0.5B-Instruct (same in Qwen2-1.5B/7B-Instruct). Real newlines inside the literals, as SMOLLM2.
QWEN2 = (
    "{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}"
    "{{ '<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n' }}{% endif %}"
    "{{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n'}}"
    "{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"
)

TEMPLATES = [
    {
        "name": "smollm2",
        "source": "HuggingFaceTB/SmolLM2-135M-Instruct tokenizer_config.json (same text in SmolLM2-360M-Instruct); "
                  "verbatim, cross-checked against several independent copies",
        "template": SMOLLM2,
        "bos_token": "<|im_start|>",
        "eos_token": "<|im_end|>",
    },
    {
        "name": "qwen2.5",
        "source": "Qwen/Qwen2.5-0.5B-Instruct tokenizer_config.json (the template shared by all Qwen2.5 Instruct "
                  "sizes); verbatim, checked against copies of Qwen/Qwen2.5-7B-Instruct's",
        "template": QWEN25,
        "bos_token": None,
        "eos_token": "<|im_end|>",
    },
    {
        "name": "tinyllama",
        "source": "TinyLlama/TinyLlama-1.1B-Chat-v1.0 tokenizer_config.json (the Zephyr template of "
                  "HuggingFaceH4/zephyr-7b-beta); verbatim, cross-checked against several copies",
        "template": TINYLLAMA,
        "bos_token": "<s>",
        "eos_token": "</s>",
    },
    {
        "name": "llama3.2",
        "source": "meta-llama/Llama-3.2-1B-Instruct tokenizer_config.json (same text in Llama-3.2-3B-Instruct); "
                  "verbatim, as in llama.cpp's models/templates/meta-llama-Llama-3.2-3B-Instruct.jinja",
        "template": LLAMA32,
        "bos_token": "<|begin_of_text|>",
        "eos_token": "<|eot_id|>",
    },
    {
        "name": "llama2",
        "source": "meta-llama/Llama-2-7b-chat-hf tokenizer_config.json; verbatim, cross-checked against copies "
                  "that cite that file",
        "template": LLAMA2,
        "bos_token": "<s>",
        "eos_token": "</s>",
    },
    {
        "name": "mistral-v0.2",
        "source": "mistralai/Mistral-7B-Instruct-v0.2 tokenizer_config.json as first published (same text as "
                  "mistralai/Mixtral-8x7B-Instruct-v0.1's); verbatim from llama.cpp's test-chat-template.cpp and "
                  "huggingface.js's template tests. The Hub file was later replaced by the 'mistral-2024' text below",
        "template": MISTRAL_V02,
        "bos_token": "<s>",
        "eos_token": "</s>",
    },
    {
        "name": "mistral-2024",
        "source": "in the style of mistralai/Mistral-7B-Instruct-v0.1..v0.3's 2024 template revision (optional "
                  "system message); text taken from a third-party training script's copy, not checked against the Hub",
        "template": MISTRAL_2024,
        "bos_token": "<s>",
        "eos_token": "</s>",
    },
    {
        "name": "qwen2",
        "source": "Qwen/Qwen2-0.5B-Instruct tokenizer_config.json (same text in Qwen2-7B-Instruct); verbatim, "
                  "cross-checked against several copies",
        "template": QWEN2,
        "bos_token": None,
        "eos_token": "<|im_end|>",
    },
]

# ---------------------------------------------------------------------------------------------
# Conversations
# ---------------------------------------------------------------------------------------------


def m(role, content):
    return {"role": role, "content": content}


SINGLE = [m("user", "What is 3 + 4?")]
ANSWERED = [m("user", "What is 3 + 4?"), m("assistant", "7")]
WITH_SYSTEM = [m("system", "Be brief."), m("user", "What is 3 + 4?"), m("assistant", "7"),
               m("user", "And 5 + 6?")]
MULTI_TURN = [m("user", "Hi"), m("assistant", "Hello!"), m("user", "What is 3 + 4?"), m("assistant", "7")]
WHITESPACE = [m("user", "  Hello\nthere  ")]
ASSISTANT_WHITESPACE = [m("user", " Hi "), m("assistant", "  Sure.\n  ")]
UNICODE = [m("user", "Ünïcödé — 日本")]
QUOTES = [m("user", 'She said "hi" & it\'s <b>bold</b>: C:\\path\\n {{ not jinja }} {% raw %}')]
EMPTY_CONTENT = [m("system", ""), m("user", "")]

# (conversation name, messages, add_generation_prompt)
COMMON = [
    ("single user", SINGLE, True),
    ("single user, no generation prompt", SINGLE, False),
    ("user + assistant", ANSWERED, False),
    ("system + user + assistant + user", WITH_SYSTEM, True),
    ("two exchanges", MULTI_TURN, False),
    ("whitespace and newline in content", WHITESPACE, True),
    ("assistant content with whitespace", ASSISTANT_WHITESPACE, False),
    ("non-ASCII", UNICODE, True),
    ("quotes, backslashes, braces", QUOTES, True),
    ("empty system and user content", EMPTY_CONTENT, True),
]

TWO_USERS = [m("user", "Hi"), m("user", "Anyone there?")]
ASSISTANT_FIRST = [m("assistant", "Hello"), m("user", "Hi")]
SYSTEM_THEN_TWO_USERS = [m("system", "Be brief."), m("user", "Hi"), m("user", "Hi again")]
UNKNOWN_ROLE = [m("user", "Hi"), m("tool", "42")]

# Tool schemas, keys sorted at every depth (see the module docstring).
WEATHER_TOOL = {
    "function": {
        "description": "Get the current weather in a city.",
        "name": "get_weather",
        "parameters": {
            "properties": {
                "city": {"description": "The city, e.g. \"Zürich\".", "type": "string"},
                "unit": {"enum": ["celsius", "fahrenheit"], "type": "string"},
            },
            "required": ["city"],
            "type": "object",
        },
    },
    "type": "function",
}
TIME_TOOL = {
    "function": {
        "description": "Get the local time in a city.",
        "name": "get_time",
        "parameters": {"properties": {"city": {"type": "string"}}, "required": ["city"], "type": "object"},
    },
    "type": "function",
}


def tool_call(name, arguments):
    return {"function": {"arguments": arguments, "name": name}, "type": "function"}


QWEN_TOOL_CHAT = [
    m("user", "Weather and time in Zürich?"),
    {"role": "assistant", "content": "",
     "tool_calls": [tool_call("get_weather", {"city": "Zürich", "unit": "celsius"}),
                    tool_call("get_time", {"city": "Zürich"})]},
    m("tool", '{"temperature": 21.5, "unit": "celsius"}'),
    m("tool", '{"time": "14:05"}'),
]
QWEN_TOOL_CHAT_WITH_TEXT = [
    m("system", "You are a weather bot."),
    m("user", "Weather in Paris?"),
    {"role": "assistant", "content": "Let me check.", "tool_calls": [tool_call("get_weather", {"city": "Paris"})]},
    m("tool", "sunny"),
    m("assistant", "It is sunny."),
]
LLAMA_TOOL_CHAT = [
    m("system", "  You are a weather bot.  "),
    m("user", "Weather in Paris?"),
    {"role": "assistant", "tool_calls": [tool_call("get_weather", {"city": "Paris"})]},
    m("tool", '{"sky": "sunny"}'),
]
LLAMA_TWO_CALLS = [
    m("user", "Weather in Paris and Rome?"),
    {"role": "assistant", "tool_calls": [tool_call("get_weather", {"city": "Paris"}),
                                         tool_call("get_weather", {"city": "Rome"})]},
]

LLAMA_DATE = {"date_string": "26 Jul 2024"}

# Per-template extra renders: (conversation name, messages, add_generation_prompt, extra, options)
EXTRA_RENDERS = {
    "qwen2.5": [
        ("tools, default system", SINGLE, True, {"tools": [WEATHER_TOOL, TIME_TOOL]}, {}),
        ("tools with a system message", WITH_SYSTEM, True, {"tools": [WEATHER_TOOL]}, {}),
        ("tool calls and tool responses", QWEN_TOOL_CHAT, True, {"tools": [WEATHER_TOOL, TIME_TOOL]}, {}),
        ("tool call with text, one tool response, answer", QWEN_TOOL_CHAT_WITH_TEXT, False, {}, {}),
        ("empty tools list is falsy", SINGLE, True, {"tools": []}, {}),
    ],
    "llama3.2": [
        ("no date_string, strftime_now undefined", SINGLE, True, {}, {"remove_globals": ["strftime_now"]}),
        ("another date_string", WITH_SYSTEM, True, {"date_string": "01 Jan 2025"}, {}),
        ("tools in the first user message", LLAMA_TOOL_CHAT, True, {**LLAMA_DATE, "tools": [WEATHER_TOOL]}, {}),
        ("tools in the system message", LLAMA_TOOL_CHAT, True,
         {**LLAMA_DATE, "tools": [WEATHER_TOOL, TIME_TOOL], "tools_in_user_message": False}, {}),
        ("custom_tools", SINGLE, True, {**LLAMA_DATE, "custom_tools": [TIME_TOOL]}, {}),
        ("ipython role with string content", [m("user", "x"), m("ipython", "plain text")], True, LLAMA_DATE, {}),
    ],
}

# Per-template conversations expected to raise: (name, messages, add_generation_prompt, extra)
EXTRA_ERRORS = {
    "llama2": [
        ("two user turns", TWO_USERS, True, {}),
        ("assistant first", ASSISTANT_FIRST, True, {}),
        ("system then two user turns", SYSTEM_THEN_TWO_USERS, True, {}),
    ],
    "mistral-v0.2": [
        ("two user turns", TWO_USERS, True, {}),
        ("assistant first", ASSISTANT_FIRST, True, {}),
        ("unknown role in turn order", UNKNOWN_ROLE, True, {}),
    ],
    "mistral-2024": [
        ("two user turns", TWO_USERS, True, {}),
        ("system then two user turns", SYSTEM_THEN_TWO_USERS, True, {}),
        ("unknown role in turn order", UNKNOWN_ROLE, True, {}),
    ],
    "llama3.2": [
        ("two tool calls in one message", LLAMA_TWO_CALLS, True, LLAMA_DATE),
        ("tools but no user message", [m("system", "Be brief.")], True, {**LLAMA_DATE, "tools": [TIME_TOOL]}),
    ],
}

# ---------------------------------------------------------------------------------------------
# Rendering
# ---------------------------------------------------------------------------------------------


def sort_dicts(value):
    if isinstance(value, dict):
        return {k: sort_dicts(value[k]) for k in sorted(value)}
    if isinstance(value, list):
        return [sort_dicts(v) for v in value]
    return value


def render_chat(case, messages, add_generation_prompt, extra, remove_globals=()):
    """Render like tokenizer.apply_chat_template(messages, tokenize=False, ...). Returns (text, error)."""
    template = case["template"]
    messages = ctu._normalize_chat_messages(messages)
    kwargs = {}
    for token in ("bos_token", "eos_token"):
        if case[token] is not None:
            kwargs[token] = case[token]
    kwargs.update(extra)
    tools = kwargs.pop("tools", None)

    saved = ctu._compile_jinja_template
    if remove_globals:
        compiled = ctu._cached_compile_jinja_template(template)  # a fresh environment, not the cached one
        for name in remove_globals:
            del compiled.environment.globals[name]
        ctu._compile_jinja_template = lambda _source: compiled
    try:
        rendered, _ = ctu.render_jinja_template(
            conversations=[messages], tools=tools, chat_template=template,
            add_generation_prompt=add_generation_prompt, **kwargs)
        return rendered[0], None
    except jinja2.exceptions.TemplateError as error:
        return None, str(error)
    finally:
        ctu._compile_jinja_template = saved


def build_templates():
    out = []
    for case in TEMPLATES:
        renders, errors = [], []
        name = case["name"]
        extra_default = LLAMA_DATE if name == "llama3.2" else {}
        conversations = [(c, msgs, agp, extra_default, {}) for c, msgs, agp in COMMON]
        conversations += EXTRA_RENDERS.get(name, [])
        for conv_name, messages, agp, extra, options in conversations:
            messages, extra = sort_dicts(messages), sort_dicts(extra)
            remove = options.get("remove_globals", [])
            text, error = render_chat(case, messages, agp, extra, remove)
            if error is None:
                entry = {"conversation": conv_name, "messages": messages, "add_generation_prompt": agp,
                         "extra": extra, "text": text}
                if remove:
                    entry["globals_removed"] = remove
                renders.append(entry)
            else:
                if remove:
                    raise SystemExit(f"{name}: {conv_name}: unexpected error {error!r}")
                errors.append({"conversation": conv_name, "messages": messages, "add_generation_prompt": agp,
                               "extra": extra, "message": error})
        for conv_name, messages, agp, extra in EXTRA_ERRORS.get(name, []):
            messages, extra = sort_dicts(messages), sort_dicts(extra)
            text, error = render_chat(case, messages, agp, extra)
            if error is None:
                raise SystemExit(f"{name}: {conv_name}: expected an error, rendered {text!r}")
            errors.append({"conversation": conv_name, "messages": messages, "add_generation_prompt": agp,
                           "extra": extra, "message": error})
        out.append({"name": name, "source": case["source"], "template": case["template"],
                    "bos_token": case["bos_token"], "eos_token": case["eos_token"],
                    "renders": renders, "errors": errors})
    return out


# ---------------------------------------------------------------------------------------------
# Expression cases: (name, template, variables)
# ---------------------------------------------------------------------------------------------

MSG = {"content": "Hi", "role": "user"}

EXPRESSIONS = [
    # Text, output, comments.
    ("plain text", "plain text", {}),
    ("output of a variable", "a{{ x }}b", {"x": "X"}),
    ("comment", "a{# gone #}b", {}),
    ("comment on its own line", "a\n{# gone #}\nb", {}),
    ("comment with whitespace control", "a  {#- gone -#}  b", {}),
    ("newline after an expression is kept", "{{ 'a' }}\n{{ 'b' }}", {}),
    ("one trailing newline of the template is dropped", "{{ 'a' }}\n{{ 'b' }}\n", {}),
    ("two trailing newlines keep one", "a\n\n", {}),
    ("brace characters inside string literals", "{{ '}}' }}{{ \"{%\" }}{{ '{\"name\": \"' + n + '\"}' }}", {"n": "f"}),
    # Whitespace control.
    ("minus trims both sides of an expression", "a  \n {{- 'b' -}} \n  c", {}),
    ("minus trims around blocks", "a   {%- if true -%}   b   {%- endif -%}   c", {}),
    ("left minus only", "a  \n  {{- 'b' }}  \n  c", {}),
    ("right minus only", "a  {{ 'b' -}}  \n  c", {}),
    ("indented block lines with minus (Qwen/Llama style)",
     "{%- if true %}\n    {{- 'x' }}\n    {%- if true %}\n        {{- 'y' }}\n    {%- endif %}\n{%- endif %}\n", {}),
    # trim_blocks / lstrip_blocks.
    ("trim_blocks removes the newline after a block tag", "{% if true %}\nx\n{% endif %}\ny", {}),
    ("lstrip_blocks strips indentation before a block tag", "a\n    {% if true %}\n    b\n    {% endif %}\nc", {}),
    ("inline block tags keep surrounding spaces", "a {% if true %}b{% endif %} c", {}),
    ("text before a block tag on the same line is kept", "a  {% if true %}b{% endif %}\nc", {}),
    ("trim_blocks does not apply to expressions", "{{ 'a' }}\nb", {}),
    ("trim_blocks removes only a newline right after the tag", "{% if true %}  \nx{% endif %}", {}),
    ("for loop on its own lines", "{% for x in xs %}\n  {% if x %}\n[{{ x }}]\n  {% endif %}\n{% endfor %}\n",
     {"xs": [1, 0, 2]}),
    ("tabs are stripped by lstrip_blocks", "a\n\t\t{% if true %}b{% endif %}", {}),
    # For loops.
    ("loop index0 index first last length",
     "{% for x in xs %}{{ loop.index0 }},{{ loop.index }},{{ loop.first }},{{ loop.last }},{{ loop.length }};{% endfor %}",
     {"xs": ["a", "b", "c"]}),
    ("loop over an empty list, else branch", "{% for x in [] %}x{% else %}empty{% endfor %}", {}),
    ("loop over dict items", "{% for k, v in d.items() %}{{ k }}={{ v }};{% endfor %}", {"d": {"a": 1, "b": "two"}}),
    ("loop over dict keys", "{% for k in d %}{{ k }};{% endfor %}", {"d": {"a": 1, "b": 2}}),
    ("loop with tuple unpacking", "{% for a, b in [[1, 2], [3, 4]] %}{{ a + b }};{% endfor %}", {}),
    ("loop over a string", "{% for c in 'abc' %}{{ c }}-{% endfor %}", {}),
    ("loop over a slice", "{% for x in xs[1:] %}{{ x }}{% endfor %}", {"xs": [1, 2, 3]}),
    ("nested loops have their own loop variable",
     "{% for a in [1, 2] %}{% for b in 'xy' %}{{ loop.index }}{% endfor %}{{ loop.index }}|{% endfor %}", {}),
    ("loop.previtem and loop.nextitem",
     "{% for x in [1, 2, 3] %}{% if loop.previtem is defined %}{{ loop.previtem }}<{% endif %}{{ x }}"
     "{% if loop.nextitem is defined %}>{{ loop.nextitem }}{% endif %};{% endfor %}", {}),
    ("break and continue",
     "{% for n in [1, 2, 3, 4, 5] %}{% if n == 2 %}{% continue %}{% endif %}{% if n == 4 %}{% break %}{% endif %}{{ n }}{% endfor %}",
     {}),
    ("loop.last with break", "{% for n in [1, 2, 3] %}{{ loop.last }}{% if n == 2 %}{% break %}{% endif %}{% endfor %}", {}),
    ("range", "{% for i in range(3) %}{{ i }}{% endfor %}|{% for i in range(1, 4) %}{{ i }}{% endfor %}", {}),
    ("index previous and next message via loop.index0",
     "{% for m in ms %}{% if loop.index0 > 0 %}{{ ms[loop.index0 - 1].r }}>{% endif %}{{ m.r }}"
     "{% if not loop.last %}<{{ ms[loop.index0 + 1].r }}{% endif %};{% endfor %}",
     {"ms": [{"r": "a"}, {"r": "b"}, {"r": "c"}]}),
    # Set and scoping.
    ("set and print", "{% set a = 1 + 2 %}{{ a }}", {}),
    ("set inside a for loop does not leak", "{% set a = 1 %}{% for x in [1] %}{% set a = 2 %}{{ a }}{% endfor %}{{ a }}", {}),
    ("set inside if is visible after it", "{% if true %}{% set b = 3 %}{% endif %}{{ b }}", {}),
    ("set replaces a context variable", "{% set messages = messages[1:] %}{{ messages | length }}{{ messages[0] }}",
     {"messages": ["a", "b", "c"]}),
    ("set with a conditional expression", "{% set x = 'a' if false else 'b' %}{{ x }}", {}),
    ("namespace attribute set in a loop",
     "{% set ns = namespace(found=false) %}{% for x in [1, 2] %}{% if x == 2 %}{% set ns.found = true %}{% endif %}"
     "{% endfor %}{{ ns.found }}", {}),
    ("namespace counter and string", "{% set ns = namespace(n=0, s='') %}{% for c in 'abc' %}{% set ns.n = ns.n + 1 %}"
     "{% set ns.s = c + ns.s %}{% endfor %}{{ ns.n }} {{ ns.s }}", {}),
    ("set a loop variable name before loop (loop var shadows only inside)",
     "{% set x = 'outer' %}{% for x in [1] %}{{ x }}{% endfor %}{{ x }}", {}),
    # If / elif / else.
    ("if elif else",
     "{% for n in [1, 2, 3] %}{% if n == 1 %}one{% elif n == 2 %}two{% else %}many{% endif %},{% endfor %}", {}),
    ("truthiness of values",
     "{% for v in [0, 1, '', 'a', [], [0], {}, none, false, true] %}{% if v %}T{% else %}F{% endif %}{% endfor %}", {}),
    ("truthiness of dict variable", "{% if d %}T{% else %}F{% endif %}{% if e %}T{% else %}F{% endif %}",
     {"d": {"k": 1}, "e": {}}),
    # Tests.
    ("is defined and is not defined",
     "{{ x is defined }} {{ y is defined }} {{ y is not defined }} {{ not y is defined }}", {"x": 1}),
    ("is defined on dict keys and attributes",
     "{{ d.a is defined }} {{ d.b is defined }} {{ d['a'] is defined }} {{ d['b'] is defined }}", {"d": {"a": 1}}),
    ("is none and is not none", "{{ n is none }} {{ n is not none }} {{ x is none }} {{ u is none }}", {"n": None, "x": 0}),
    ("is string", "{{ 'a' is string }} {{ 1 is string }} {{ [] is string }} {{ s is string }}", {"s": "s"}),
    ("is mapping and is iterable",
     "{{ d is mapping }} {{ l is mapping }} {{ s is mapping }} {{ d is iterable }} {{ l is iterable }} "
     "{{ s is iterable }} {{ 3 is iterable }}", {"d": {"a": 1}, "l": [1], "s": "x"}),
    ("is true and is false", "{{ t is true }} {{ f is false }} {{ 0 is false }} {{ u is false }}", {"t": True, "f": False}),
    ("is number and is integer", "{{ 1 is number }} {{ 1.5 is number }} {{ 'a' is number }} {{ 2 is integer }}", {}),
    # in / not in.
    ("in on strings", "{{ 'ell' in 'hello' }} {{ 'x' in 'hello' }} {{ 'x' not in 'hello' }}", {}),
    ("in on lists", "{{ 2 in [1, 2] }} {{ 3 in [1, 2] }} {{ 'a' not in ['a'] }}", {}),
    ("in on dicts tests keys", "{{ 'k' in d }} {{ 'v' in d }} {{ 'q' not in d }} {{ 'tool_calls' in m }}",
     {"d": {"k": "v"}, "m": MSG}),
    # Filters.
    ("trim", "[{{ '  a b \n' | trim }}]", {}),
    ("length of string list dict", "{{ 'abc' | length }} {{ [1, 2] | length }} {{ d | length }}", {"d": {"a": 1, "b": 2}}),
    ("upper lower", "{{ 'Ab' | upper }} {{ 'Ab' | lower }}", {}),
    ("join", "{{ [1, 2, 3] | join('-') }} {{ ['a', 'b'] | join }} {{ [] | join(', ') }}", {}),
    ("first last", "{{ [1, 2, 3] | first }} {{ [1, 2, 3] | last }} {{ 'abc' | first }}", {}),
    ("default", "{{ missing | default('d') }} {{ '' | default('d') }} {{ '' | default('d', true) }} "
                "{{ n | default('d') }} {{ 'x' | default('d') }}", {"n": None}),
    ("string filter", "{{ 5 | string }} {{ none | string }} {{ [1] | string }} {{ 'a' | string }}", {}),
    ("filter binds tighter than +", "{{ 'a' + ' b ' | trim + 'c' }}", {}),
    ("filter binds tighter than comparison and not", "{{ not xs | length == 1 }} {{ not ys | length == 1 }}",
     {"xs": [1], "ys": [1, 2]}),
    ("chained filters", "{{ '  Hello  ' | trim | upper | length }}", {}),
    ("filter with parenthesised argument expression", "{{ ['a', 'b'] | join(', ' ~ '|') }}", {}),
    ("tojson on dict and list", "{{ {'a': [1, 'x', none, true, false], 'b': {'c': 1.5}} | tojson }}", {}),
    ("tojson keeps dict key order", "{{ {'z': 1, 'a': 2} | tojson }}", {}),
    ("tojson on a dict variable (keys written sorted)", "{{ d | tojson }}", {"d": {"city": "Paris", "unit": "celsius"}}),
    ("tojson on strings with quotes, unicode, html characters",
     "{{ 'say \"hi\"\\n' | tojson }} {{ 'Zürich 日本 — ok' | tojson }} {{ '<a> & \\'b\\'' | tojson }} "
     "{{ 'back\\\\slash\\ttab' | tojson }}", {}),
    ("tojson on numbers booleans none", "{{ 1 | tojson }} {{ 1.5 | tojson }} {{ 2.0 | tojson }} {{ -3 | tojson }} "
                                        "{{ true | tojson }} {{ false | tojson }} {{ none | tojson }}", {}),
    ("tojson with indent", "{{ {'a': [1, 2], 'b': {}, 'c': []} | tojson(indent=4) }}", {}),
    ("tojson with indent on a variable", "{{ t | tojson(indent=2) }}",
     {"t": {"function": {"name": "f", "parameters": {"required": ["x"]}}, "type": "function"}}),
    ("tojson of a string variable (iterable, Llama 3 tool messages)", "{{ s | tojson }}", {"s": '{"a": 1}'}),
    # String methods.
    ("strip lstrip rstrip", "[{{ '  a  '.strip() }}][{{ '  a  '.lstrip() }}][{{ '  a  '.rstrip() }}]", {}),
    ("strip with characters", "[{{ '\\n\\nx\\n'.strip('\\n') }}][{{ 'xxaxx'.lstrip('x') }}][{{ 'xxaxx'.rstrip('x') }}]", {}),
    ("startswith endswith", "{{ 'hello'.startswith('he') }} {{ 'hello'.startswith('lo') }} {{ 'hello'.endswith('lo') }}", {}),
    ("split", "{{ 'a,b,,c'.split(',') }} {{ ' a  b '.split() }} {{ 'a</think>b'.split('</think>')[-1] }}", {}),
    ("upper lower methods", "{{ 'Ab'.upper() }} {{ 'Ab'.lower() }}", {}),
    ("replace method and filter", "{{ 'a-b-c'.replace('-', '+') }} {{ 'a-b-c' | replace('-', '') }}", {}),
    ("title capitalize", "{{ 'hello wORLD'.title() }} {{ 'hello wORLD'.capitalize() }} {{ 'user' | capitalize }}", {}),
    ("method on a variable (Llama 2 content.strip())", "[{{ c.strip() }}]", {"c": "\n  text \t"}),
    ("dict get", "{{ d.get('k') }} {{ d.get('q') }} {{ d.get('q', 'dflt') }}", {"d": {"k": "v"}}),
    ("dict keys values", "{{ d.keys() | list }} {{ d.values() | list }}", {"d": {"a": 1, "b": 2}}),
    # Subscripts and slices.
    ("indexing", "{{ xs[0] }} {{ xs[-1] }} {{ 'hello'[1] }} {{ 'hello'[-1] }}", {"xs": [1, 2, 3]}),
    ("slices", "{{ xs[1:] }} {{ xs[:-1] }} {{ xs[::-1] }} {{ xs[1:2] }} {{ xs[5:] }}", {"xs": [1, 2, 3]}),
    ("string slices", "{{ 'hello'[1:] }} {{ 'hello'[:-1] }} {{ 'hello'[::-1] }} {{ 'hello'[1:3] }}", {}),
    ("attribute vs subscript on dicts", "{{ m.role }} {{ m['role'] }} {{ m.content }} {{ m['content'] }}", {"m": MSG}),
    ("missing attribute and key render empty", "[{{ m.nope }}][{{ m['nope'] }}]", {"m": MSG}),
    ("nested access", "{{ d.a.b[1].c }} {{ d['a']['b'][1]['c'] }}", {"d": {"a": {"b": [{}, {"c": "deep"}]}}}),
    # Operators.
    ("string concatenation with + and ~", "{{ 'a' + 'b' }} {{ 'n=' ~ 3 }} {{ 1 ~ 2 }} {{ 'x' ~ none ~ true }}", {}),
    ("integer arithmetic", "{{ 1 + 2 }} {{ 5 - 7 }} {{ 3 * 4 }} {{ 7 // 2 }} {{ 7 % 3 }} {{ -7 // 2 }} {{ -7 % 3 }}", {}),
    ("true division gives floats", "{{ 7 / 2 }} {{ 4 / 2 }} {{ 1 / 4 }}", {}),
    ("float arithmetic", "{{ 1.5 + 1 }} {{ 0.1 + 0.2 }} {{ 2 * 1.5 }}", {}),
    ("precedence and parentheses", "{{ 2 + 3 * 4 }} {{ (2 + 3) * 4 }} {{ -2 * 3 }} {{ 10 - 2 - 3 }}", {}),
    ("list concatenation", "{{ [1] + [2, 3] }}", {}),
    ("comparisons", "{{ 1 < 2 }} {{ 2 <= 1 }} {{ 3 > 2 }} {{ 1 >= 1 }} {{ 'a' == 'a' }} {{ 'a' != 'b' }} {{ 'a' < 'b' }}", {}),
    ("equality across types", "{{ 1 == 1.0 }} {{ 1 == '1' }} {{ none == none }} {{ false != false }} {{ 's' != false }}", {}),
    ("boolean comparison of comparisons (roles alternate check)",
     "{% for r in rs %}{{ (r == 'user') != (loop.index0 % 2 == 0) }},{% endfor %}",
     {"rs": ["user", "assistant", "user", "user"]}),
    ("and or not", "{{ true and false }} {{ true or false }} {{ not true }} {{ not (1 == 2) }} {{ not 1 == 2 }}", {}),
    ("and or return operands", "{{ 'a' and 'b' }} {{ '' and 'b' }} {{ '' or 'x' }} {{ 'y' or 'x' }} {{ 0 or none }}", {}),
    ("ternary", "{{ 'yes' if flag else 'no' }} {{ 'yes' if not flag else 'no' }} [{{ 'a' if false }}]", {"flag": True}),
    # Literals.
    ("string literal escapes", "{{ 'a\\nb' }}|{{ \"q\\\"q\" }}|{{ 'it\\'s' }}|{{ 'back\\\\slash' }}|{{ 'tab\\tx' }}", {}),
    ("single and double quoted strings", "{{ \"it's\" }} {{ 'say \"x\"' }}", {}),
    ("unicode in literals", "{{ 'Ünïcödé — 日本' | length }} {{ 'Ünïcödé — 日本' | upper }}", {}),
    ("list and dict literals", "{{ [1, 'a', none, true] }} {{ {'k': 1}['k'] }} {{ {'k': [1, 2]}.k[1] }} {{ [] }} {{ {} }}", {}),
    ("printing none and booleans", "{{ none }} {{ true }} {{ false }} {{ True }} {{ None }}", {}),
    ("printing floats and ints", "{{ 1.0 }} {{ 2.50 }} {{ 10 }} {{ -0.5 }}", {}),
    ("printing a dict variable", "{{ d }}", {"d": {"a": "x", "b": [1]}}),
    # Undefined.
    ("undefined variables render empty", "[{{ missing }}]", {}),
    ("undefined in if is false", "{% if missing %}T{% else %}F{% endif %}", {}),
    ("undefined with default", "{{ missing | default('x') }}", {}),
]


def build_expressions():
    out = []
    for name, template, variables in EXPRESSIONS:
        variables = sort_dicts(variables)
        text = ctu._compile_jinja_template(template).render(**variables)
        out.append({"name": name, "template": template, "variables": variables, "text": text})
    names = [case["name"] for case in out]
    assert len(names) == len(set(names)), "duplicate expression names"
    return out


def write(path, value):
    with open(path, "w", encoding="utf-8") as f:
        f.write(json.dumps(value, ensure_ascii=False, indent=1) + "\n")


def main():
    assert int(transformers.__version__.split(".")[0]) >= 5, transformers.__version__
    templates = build_templates()
    expressions = build_expressions()
    write(os.path.join(HERE, "chat_templates.json"), templates)
    write(os.path.join(HERE, "jinja_expressions.json"), expressions)
    renders = sum(len(t["renders"]) for t in templates)
    errors = sum(len(t["errors"]) for t in templates)
    print(f"transformers {transformers.__version__}, jinja2 {jinja2.__version__}: "
          f"{len(templates)} templates, {renders} renders, {errors} errors, {len(expressions)} expressions")


if __name__ == "__main__":
    main()
