"""Writes hf-models/chat-qwen3, chat-olmo2, chat-gemma3 and chat-smollm3 for the
families transcript: tiny random *ForCausalLM folders of the newer families as
save_pretrained writes them (Qwen3's per-head q/k norms and head_dim apart from
hidden/heads; OLMo 2's norms after each sublayer; Gemma 3's sliding-window layer
beside a global one; SmolLM3's layer without rotary positions), each with the
small byte-level BPE tokenizer and Qwen2.5's chat template of hf-models/chat-qwen2
(copied), so each can chat. expected.json holds, as make_chat_models.py's do, per
conversation, apply_chat_template's ids with and without the generation prompt and
the ids of a greedy generate() of 8 new tokens (ChatModelTests checks them).
Run from the repository root (needs torch and transformers), after make_chat_models.py:
    python3 Tests/ShellTests/Transcripts/make_family_chat_models.py"""
import json, os, shutil
import torch
from transformers import (AutoTokenizer, Gemma3ForCausalLM, Gemma3TextConfig, Olmo2Config, Olmo2ForCausalLM,
                          Qwen3Config, Qwen3ForCausalLM, SmolLM3Config, SmolLM3ForCausalLM)

here = os.path.dirname(os.path.abspath(__file__))
source = os.path.join(here, "hf-models", "chat-qwen2")
shape = dict(vocab_size=400, hidden_size=32, intermediate_size=64, num_attention_heads=4, num_key_value_heads=2,
             max_position_embeddings=256, rms_norm_eps=1e-6, eos_token_id=2, pad_token_id=0, initializer_range=0.2)
models = {
    "chat-qwen3": lambda: Qwen3ForCausalLM(Qwen3Config(**shape, num_hidden_layers=2, head_dim=16, tie_word_embeddings=True)),
    "chat-olmo2": lambda: Olmo2ForCausalLM(Olmo2Config(**shape, num_hidden_layers=2, tie_word_embeddings=False)),
    "chat-gemma3": lambda: Gemma3ForCausalLM(Gemma3TextConfig(
        **shape, num_hidden_layers=2, head_dim=16, query_pre_attn_scalar=16, sliding_window=8,
        layer_types=["sliding_attention", "full_attention"], bos_token_id=1)),
    "chat-smollm3": lambda: SmolLM3ForCausalLM(SmolLM3Config(**shape, num_hidden_layers=4, no_rope_layers=[1, 1, 1, 0],
                                                             bos_token_id=1, tie_word_embeddings=True)),
}
tokenizer = AutoTokenizer.from_pretrained(source)
conversations = [
    [{"role": "user", "content": "What is 3 + 4?"}],
    [{"role": "user", "content": "Where does Ada live?"}, {"role": "assistant", "content": "Ada lives in Lune."},
     {"role": "user", "content": "And her cat?"}],
]

def ids(messages, generation):
    out = tokenizer.apply_chat_template(messages, add_generation_prompt=generation, tokenize=True)
    return list(out["input_ids"]) if hasattr(out, "keys") else list(out)

for seed, (name, make) in enumerate(models.items()):
    torch.manual_seed(20 + seed)
    model = make().eval()
    folder = os.path.join(here, "hf-models", name)
    if os.path.isdir(folder):
        shutil.rmtree(folder)
    model.save_pretrained(folder, safe_serialization=True)
    for f in ["tokenizer.json", "tokenizer_config.json"]:
        shutil.copy(os.path.join(source, f), os.path.join(folder, f))
    cases = []
    for messages in conversations:
        prompt = ids(messages, True)
        with torch.no_grad():
            out = model.generate(torch.tensor([prompt]), max_new_tokens=8, do_sample=False, eos_token_id=None, pad_token_id=0)
        cases.append({"messages": messages, "prompt_ids": prompt, "ids": ids(messages, False), "greedy": out[0, len(prompt):].tolist()})
    json.dump({"cases": cases}, open(os.path.join(folder, "expected.json"), "w"), indent=1)
    print(name, type(model).__name__, [c["greedy"] for c in cases])
