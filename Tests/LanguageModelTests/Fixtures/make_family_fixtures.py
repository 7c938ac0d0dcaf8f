"""Writes tiny random checkpoints of the families people align in 2026 with
transformers' own classes, and what transformers computes for them, for
FamilyCheckpointTests:

  hf-qwen3/      Qwen3ForCausalLM: per-head q/k RMSNorm, head_dim 12 != 32 / 4, 2 KV heads
  hf-olmo2/      Olmo2ForCausalLM: norms after each sublayer, q/k RMSNorm over the projection
  hf-gemma3/     Gemma3ForCausalLM (gemma3_text): embedding x sqrt(hidden), (1 + w) RMSNorm
                 before and after each sublayer, GeGLU (tanh GELU), query_pre_attn_scalar,
                 sliding-window layers (window 4) beside a global one with its own rope base
  hf-smollm3/    SmolLM3ForCausalLM: no rotary positions on its fourth layer
  hf-qwen3-rm/   Qwen3ForSequenceClassification with one label (a reward model); hf-olmo2-rm/,
                 hf-gemma3-rm/ (Gemma3TextForSequenceClassification) and hf-smollm3-rm/ likewise

Norm weights are drawn at random (transformers starts them at 1, or 0 for
Gemma's 1 + w) so that the tests see them. Each folder holds config.json and
model.safetensors as save_pretrained writes them, and expected.json: token ids,
the logits (T, V) (or the score at the last token) in float32, and for causal
models the greedy continuation of the first four tokens (`generate`, 16 new
tokens, no eos). The test suite reads these files; it never needs torch.
Run from the repository root (needs torch and transformers):
    python3 Tests/LanguageModelTests/Fixtures/make_family_fixtures.py
With --reverse it checks the other direction instead: the release binary
(.build/release/rlhf) loads each fixture and saves it again, and transformers
loads what it saved, with the same logits.
"""
import json, os, subprocess, sys, tempfile
import torch
from transformers import (Qwen3Config, Qwen3ForCausalLM, Qwen3ForSequenceClassification, Olmo2Config, Olmo2ForCausalLM,
                          Olmo2ForSequenceClassification, Gemma3TextConfig, Gemma3ForCausalLM,
                          Gemma3TextForSequenceClassification, SmolLM3Config, SmolLM3ForCausalLM,
                          SmolLM3ForSequenceClassification)

here = os.path.dirname(os.path.abspath(__file__))
tokens = [3, 17, 42, 8, 0, 55, 21, 9, 63, 1]
causal = ["hf-qwen3", "hf-olmo2", "hf-gemma3", "hf-smollm3"]

def randomise_norms(model):
    with torch.no_grad():
        for name, p in model.named_parameters():
            if "norm" in name:
                p.add_(torch.randn_like(p) * 0.3)

def dump(name, model, greedy=True):
    folder = os.path.join(here, name)
    os.makedirs(folder, exist_ok=True)
    model.save_pretrained(folder, safe_serialization=True)
    reloaded = type(model).from_pretrained(folder, dtype=torch.float32).eval()
    with torch.no_grad():
        out = reloaded(torch.tensor([tokens]))
        expected = {"tokens": tokens, "logits": out.logits[0].reshape(-1).tolist()}
        if greedy:
            generated = reloaded.generate(torch.tensor([tokens[:4]]), max_new_tokens=16, do_sample=False,
                                          eos_token_id=None, pad_token_id=0, min_new_tokens=16)
            expected["greedy"] = generated[0, 4:].tolist()
    with open(os.path.join(folder, "expected.json"), "w") as f:
        json.dump(expected, f)
    path = os.path.join(folder, "generation_config.json")
    if os.path.exists(path): os.remove(path)

def reverse():
    from transformers import AutoModelForCausalLM, AutoModelForSequenceClassification
    for name in causal + ["hf-qwen3-rm", "hf-olmo2-rm", "hf-gemma3-rm", "hf-smollm3-rm"]:
        with tempfile.TemporaryDirectory() as tmp:
            saved = os.path.join(tmp, "saved")
            script = f"load model m {os.path.join(here, name)}\nsave model m {saved}\n"
            subprocess.run([".build/release/rlhf", "-c", script], check=True, capture_output=True)
            auto = AutoModelForSequenceClassification if name.endswith("-rm") else AutoModelForCausalLM
            model = auto.from_pretrained(saved, dtype=torch.float32).eval()
            expected = json.load(open(os.path.join(here, name, "expected.json")))
            with torch.no_grad():
                logits = model(torch.tensor([expected["tokens"]])).logits[0].reshape(-1)
            diff = (logits - torch.tensor(expected["logits"])).abs().max().item()
            print(f"{name}: saved by rlhf, loaded as {type(model).__name__}: max abs diff {diff:.3g}")
            assert diff <= 1e-4

if "--reverse" in sys.argv:
    reverse()
    sys.exit(0)

shape = dict(vocab_size=64, hidden_size=32, intermediate_size=48, num_attention_heads=4, num_key_value_heads=2,
             max_position_embeddings=32, initializer_range=0.2)

torch.manual_seed(10)
m = Qwen3ForCausalLM(Qwen3Config(**shape, num_hidden_layers=2, head_dim=12, rms_norm_eps=1e-6,
                                 tie_word_embeddings=False))
randomise_norms(m)
dump("hf-qwen3", m)

torch.manual_seed(11)
m = Olmo2ForCausalLM(Olmo2Config(**shape, num_hidden_layers=2, rms_norm_eps=1e-6, pad_token_id=0, eos_token_id=1,
                                 tie_word_embeddings=False))
randomise_norms(m)
dump("hf-olmo2", m)

torch.manual_seed(12)
m = Gemma3ForCausalLM(Gemma3TextConfig(**shape, num_hidden_layers=3, head_dim=12, query_pre_attn_scalar=10,
                                       sliding_window=4, layer_types=["sliding_attention", "full_attention", "sliding_attention"],
                                       rope_parameters={"sliding_attention": {"rope_type": "default", "rope_theta": 10000.0},
                                                        "full_attention": {"rope_type": "default", "rope_theta": 1000000.0}},
                                       rms_norm_eps=1e-6, pad_token_id=0, eos_token_id=1, bos_token_id=2))
randomise_norms(m)
dump("hf-gemma3", m)

torch.manual_seed(13)
m = SmolLM3ForCausalLM(SmolLM3Config(**shape, num_hidden_layers=4, no_rope_layers=[1, 1, 1, 0], rms_norm_eps=1e-6,
                                     pad_token_id=0, bos_token_id=2, eos_token_id=1, tie_word_embeddings=True))
randomise_norms(m)
dump("hf-smollm3", m)

torch.manual_seed(14)
m = Qwen3ForSequenceClassification(Qwen3Config(**shape, num_hidden_layers=2, head_dim=12, num_labels=1,
                                               tie_word_embeddings=False))
randomise_norms(m)
dump("hf-qwen3-rm", m, greedy=False)

torch.manual_seed(15)
m = Olmo2ForSequenceClassification(Olmo2Config(**shape, num_hidden_layers=2, rms_norm_eps=1e-6, pad_token_id=0,
                                               eos_token_id=1, num_labels=1, tie_word_embeddings=False))
randomise_norms(m)
dump("hf-olmo2-rm", m, greedy=False)

torch.manual_seed(16)
m = Gemma3TextForSequenceClassification(Gemma3TextConfig(**shape, num_hidden_layers=3, head_dim=12, query_pre_attn_scalar=10,
                                                         sliding_window=4, layer_types=["sliding_attention", "full_attention",
                                                                                        "sliding_attention"],
                                                         rms_norm_eps=1e-6, pad_token_id=0, eos_token_id=1, bos_token_id=2,
                                                         num_labels=1))
randomise_norms(m)
dump("hf-gemma3-rm", m, greedy=False)

torch.manual_seed(17)
m = SmolLM3ForSequenceClassification(SmolLM3Config(**shape, num_hidden_layers=4, no_rope_layers=[1, 1, 1, 0], rms_norm_eps=1e-6,
                                                   pad_token_id=0, bos_token_id=2, eos_token_id=1, num_labels=1))
randomise_norms(m)
dump("hf-smollm3-rm", m, greedy=False)
