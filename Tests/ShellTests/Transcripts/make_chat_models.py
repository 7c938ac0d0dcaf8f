"""Writes hf-models/chat-llama and hf-models/chat-qwen2 for the chat transcripts and
ChatModelTests: tiny random LlamaForCausalLM and Qwen2ForCausalLM folders as
save_pretrained writes them, each with a small byte-level BPE tokenizer in its
family's layout and its family's real chat template (Llama 3.2 Instruct's in
chat_template.jinja, as transformers 5 saves it; Qwen2.5 Instruct's inside
tokenizer_config.json, as older saves hold it), taken verbatim from
Tests/LanguageModelTests/Fixtures/chat_templates.json.

expected.json holds, per conversation, what transformers gives:
apply_chat_template's ids (tokenize=True) with and without the generation
prompt (date_string fixed to the template's own default, "26 Jul 2024": rlhf
leaves strftime_now undefined so that the same script renders the same text
every day), and the ids of a greedy generate() of 8 new tokens from the prompt.
Run from the repository root (needs torch, transformers and tokenizers):
    python3 Tests/ShellTests/Transcripts/make_chat_models.py"""
import json, os
import torch
from tokenizers import Regex, Tokenizer, decoders, models, pre_tokenizers, trainers, normalizers
from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast, Qwen2Config, Qwen2ForCausalLM

here = os.path.dirname(os.path.abspath(__file__))
fixtures = os.path.join(here, "..", "..", "LanguageModelTests", "Fixtures")
templates = {c["name"]: c for c in json.load(open(os.path.join(fixtures, "chat_templates.json"), encoding="utf-8"))}
patterns = json.load(open(os.path.join(fixtures, "pretokenizer_expected.json"), encoding="utf-8"))["patterns"]
corpus = [
    "What is 3 + 4? 7. Where does Ada live? Ada lives in Lune. Tell me about cats. Cats sleep a lot.",
    "You are a helpful assistant. Cutting Knowledge Date: December 2023 Today Date: 26 Jul 2024",
    "system user assistant The quick brown fox jumps over the lazy dog. It's 2024!",
] * 20
conversations = [
    [{"role": "user", "content": "What is 3 + 4?"}],
    [{"role": "user", "content": "Where does Ada live?"}, {"role": "assistant", "content": "Ada lives in Lune."},
     {"role": "user", "content": "And her cat?"}],
]

def tokenizer(family, special):
    tok = Tokenizer(models.BPE(ignore_merges=(family == "llama3")))
    if family == "qwen2":
        tok.normalizer = normalizers.NFC()
    tok.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Split(Regex(patterns[family]), behavior="isolated", invert=False),
        pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)])
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=400, special_tokens=special, show_progress=False,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    tok.train_from_iterator(corpus, trainer)
    return tok

def write(name, model, tok, template, bos, eos, inline_template):
    folder = os.path.join(here, "hf-models", name)
    os.makedirs(folder, exist_ok=True)
    for f in os.listdir(folder):
        os.remove(os.path.join(folder, f))
    model.save_pretrained(folder, safe_serialization=True)
    fast = PreTrainedTokenizerFast(tokenizer_object=tok, bos_token=bos, eos_token=eos)
    fast.chat_template = template["template"]
    fast.save_pretrained(folder)
    config_path = os.path.join(folder, "tokenizer_config.json")
    config = json.load(open(config_path, encoding="utf-8"))
    jinja = os.path.join(folder, "chat_template.jinja")
    if inline_template:
        if os.path.exists(jinja):
            os.remove(jinja)
        config["chat_template"] = template["template"]
        with open(config_path, "w", encoding="utf-8") as f:
            json.dump(config, f, indent=2, ensure_ascii=False)
    for extra in ("generation_config.json", "special_tokens_map.json"):
        if os.path.exists(os.path.join(folder, extra)):
            os.remove(os.path.join(folder, extra))
    fast = PreTrainedTokenizerFast.from_pretrained(folder)
    assert fast.chat_template == template["template"]
    model.eval()
    cases = []
    for messages in conversations:
        fixed = {"date_string": "26 Jul 2024"}
        prompt = fast.apply_chat_template(messages, add_generation_prompt=True, tokenize=True, return_dict=False, **fixed)
        plain = fast.apply_chat_template(messages, add_generation_prompt=False, tokenize=True, return_dict=False, **fixed)
        with torch.no_grad():
            out = model.generate(torch.tensor([prompt]), max_new_tokens=8, do_sample=False, eos_token_id=None,
                                 pad_token_id=0)
        cases.append({"messages": messages, "prompt_ids": prompt, "ids": plain,
                      "prompt_text": fast.apply_chat_template(messages, add_generation_prompt=True, tokenize=False, **fixed),
                      "greedy": out[0, len(prompt):].tolist()})
    with open(os.path.join(folder, "expected.json"), "w", encoding="utf-8") as f:
        json.dump({"cases": cases}, f, ensure_ascii=False)

torch.manual_seed(0)
llama_special = ["<|begin_of_text|>", "<|end_of_text|>", "<|start_header_id|>", "<|end_header_id|>", "<|eot_id|>"]
llama = LlamaForCausalLM(LlamaConfig(
    vocab_size=400, hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=4,
    num_key_value_heads=2, max_position_embeddings=256, rope_theta=500000.0, tie_word_embeddings=False,
    bos_token_id=0, eos_token_id=4))
write("chat-llama", llama, tokenizer("llama3", llama_special), templates["llama3.2"], "<|begin_of_text|>", "<|eot_id|>",
      inline_template=False)

torch.manual_seed(1)
qwen = Qwen2ForCausalLM(Qwen2Config(
    vocab_size=400, hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=4,
    num_key_value_heads=2, max_position_embeddings=256, tie_word_embeddings=True, eos_token_id=2))
write("chat-qwen2", qwen, tokenizer("qwen2", ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]), templates["qwen2.5"],
      None, "<|im_end|>", inline_template=True)
print("wrote hf-models/chat-llama and hf-models/chat-qwen2")
