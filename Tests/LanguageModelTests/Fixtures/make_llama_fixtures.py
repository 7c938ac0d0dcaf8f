"""Writes tiny random Llama-family checkpoints with transformers' own classes,
and what transformers computes for them, for CheckpointTests:

  hf-llama/     LlamaForCausalLM: grouped-query attention (4 heads, 2 KV heads),
                untied head, Llama 3.1 rope scaling; bf16 weights on disk
  hf-qwen2/     Qwen2ForCausalLM: q/k/v bias, tied head, 4 KV heads (multi-head)
  hf-llama-rm/  LlamaForSequenceClassification with one label (a reward model)

Each folder holds config.json and model.safetensors as save_pretrained writes
them, and expected.json: token ids and the logits (T, V) (or the score at the
last token) in float32. The test suite reads these files; it never needs torch.
Run from the repository root (needs torch and transformers):
    python3 Tests/LanguageModelTests/Fixtures/make_llama_fixtures.py
With --reverse it checks the other direction instead: the release binary
(.build/release/rlhf) loads each fixture and saves it again, and transformers
loads what it saved, with the same logits.
"""
import json, os, subprocess, sys, tempfile
import torch
from transformers import (LlamaConfig, LlamaForCausalLM, LlamaForSequenceClassification,
                          Qwen2Config, Qwen2ForCausalLM)

here = os.path.dirname(os.path.abspath(__file__))
tokens = [3, 17, 42, 8, 0, 55, 21, 9, 63, 1]

def dump(name, model, dtype=torch.float32):
    folder = os.path.join(here, name)
    os.makedirs(folder, exist_ok=True)
    model.to(dtype).save_pretrained(folder, safe_serialization=True)
    # The reference is what transformers computes, in float32, from the files as saved
    # (casting the live model would round its rotary buffer to bf16 too).
    reloaded = type(model).from_pretrained(folder, dtype=torch.float32)
    reloaded.eval()
    with torch.no_grad():
        out = reloaded(torch.tensor([tokens]))
    values = out.logits[0].reshape(-1).tolist()
    with open(os.path.join(folder, "expected.json"), "w") as f:
        json.dump({"tokens": tokens, "logits": values}, f)
    path = os.path.join(folder, "generation_config.json")
    if os.path.exists(path): os.remove(path)

def reverse():
    for name in ("hf-llama", "hf-qwen2"):
        with tempfile.TemporaryDirectory() as tmp:
            saved = os.path.join(tmp, "saved")
            script = f"load model m {os.path.join(here, name)}\nsave model m {saved}\n"
            subprocess.run([".build/release/rlhf", "-c", script], check=True, capture_output=True)
            model = AutoModelForCausalLM.from_pretrained(saved, dtype=torch.float32).eval()
            expected = json.load(open(os.path.join(here, name, "expected.json")))
            with torch.no_grad():
                logits = model(torch.tensor([expected["tokens"]])).logits[0].reshape(-1)
            diff = (logits - torch.tensor(expected["logits"])).abs().max().item()
            print(f"{name}: saved by rlhf, loaded as {type(model).__name__}: max abs diff {diff:.3g}")
            assert diff <= 1e-4

if "--reverse" in sys.argv:
    from transformers import AutoModelForCausalLM
    reverse()
    sys.exit(0)

torch.manual_seed(0)
llama = LlamaConfig(vocab_size=64, hidden_size=32, intermediate_size=48, num_hidden_layers=2,
                    num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=32,
                    rms_norm_eps=1e-5, rope_theta=500000.0, tie_word_embeddings=False,
                    rope_scaling={"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0,
                                  "high_freq_factor": 4.0, "original_max_position_embeddings": 16},
                    initializer_range=0.2)
dump("hf-llama", LlamaForCausalLM(llama), dtype=torch.bfloat16)

torch.manual_seed(1)
qwen = Qwen2Config(vocab_size=64, hidden_size=32, intermediate_size=40, num_hidden_layers=2,
                   num_attention_heads=4, num_key_value_heads=4, max_position_embeddings=32,
                   rms_norm_eps=1e-6, rope_theta=10000.0, tie_word_embeddings=True, initializer_range=0.2)
m = Qwen2ForCausalLM(qwen)
with torch.no_grad():  # random biases, so that the test sees them
    for layer in m.model.layers:
        for p in (layer.self_attn.q_proj, layer.self_attn.k_proj, layer.self_attn.v_proj):
            p.bias.normal_(0, 0.2)
dump("hf-qwen2", m)

torch.manual_seed(2)
rm = LlamaConfig(vocab_size=64, hidden_size=32, intermediate_size=48, num_hidden_layers=2,
                 num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=32,
                 tie_word_embeddings=False, num_labels=1, initializer_range=0.2)
dump("hf-llama-rm", LlamaForSequenceClassification(rm))
