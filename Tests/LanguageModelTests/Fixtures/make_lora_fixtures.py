"""Writes tiny LoRA adapters with PEFT's own classes, on the tiny bases that
make_llama_fixtures.py wrote (those folders are read, never changed), and what
transformers + PEFT compute with them:

  hf-llama-lora/  on hf-llama: r=4, lora_alpha=8, every linear layer of the
                  blocks (q, k, v, o, gate, up, down); grouped-query attention,
                  so k_proj/v_proj's lora_B has 16 rows, not 32
  hf-qwen2-lora/  on hf-qwen2: r=2, lora_alpha=4, q_proj and v_proj only; the
                  base has q/k/v bias, which LoRA leaves alone (bias="none")

Each folder holds adapter_config.json and adapter_model.safetensors (F32) as
PeftModel.save_pretrained writes them (less the README.md model card it adds),
and expected.json:
  ids             2 rows of 7 token ids, [[...], [...]]
  logits_shape    [2, 7, V]
  logits          the adapted model's logits, flat, row-major over (row, position, vocab)
  base_logits     the base model alone, same layout
  merged_logits   after merge_and_unload(), same layout
  max_abs_diff_adapted_merged, max_abs_diff_adapted_base
  tensors         [{"name", "shape", "dtype"}] in the file's order
  r, lora_alpha, scaling (= lora_alpha / r), target_modules (sorted)
Logits are float32 values written in their shortest round-trip decimal form.

PEFT's layout (peft 0.21, peft/tuners/lora/layer.py and peft/utils/save_and_load.py):
  in memory the weights are named ...q_proj.lora_A.default.weight; on disk the
  adapter name ("default") is dropped:
    base_model.model.model.layers.N.self_attn.q_proj.lora_A.weight   [r, in]
    base_model.model.model.layers.N.self_attn.q_proj.lora_B.weight   [out, r]
    base_model.model.model.layers.N.mlp.down_proj.lora_A.weight      [r, in]
  ("base_model.model." is PeftModel's and LoraModel's prefixes, then the
  transformers name of the Linear). The forward rule, lora.Linear.forward:
    y = W x (+ b) + scaling * B (A x),   scaling = lora_alpha / r  (use_rslora: alpha / sqrt(r))
  and merging (get_delta_weight) sets W' = W + scaling * B @ A, which this
  script checks on every adapted Linear.

Run from anywhere (needs torch, transformers, peft):
    python3 Tests/LanguageModelTests/Fixtures/make_lora_fixtures.py
The other direction, for adapters and merged models that our Swift side wrote:
    make_lora_fixtures.py --reverse BASE ADAPTER EXPECTED_JSON
        loads the model folder BASE with transformers, applies the PEFT adapter
        folder ADAPTER with PeftModel.from_pretrained, and compares its logits on
        EXPECTED_JSON's "ids" with EXPECTED_JSON's "logits" (flat or nested)
    make_lora_fixtures.py --reverse-merged FOLDER EXPECTED_JSON
        the same for a plain model folder (a merged save), with AutoModelForCausalLM
Both print the max abs diff and exit 1 if it exceeds 1e-4.
"""
import json, os, sys
import numpy as np
import torch
from transformers import AutoModelForCausalLM
from peft import LoraConfig, PeftModel, get_peft_model

here = os.path.dirname(os.path.abspath(__file__))
ids = [[3, 17, 42, 8, 0, 55, 21],
       [63, 1, 9, 30, 12, 47, 5]]
tolerance = 1e-4

def f32(t):
    """float32 values as Python floats whose repr is float32's shortest round-trip
    decimal (about half the size of float64's 17 digits; Swift's Float(...) reads
    back the same bits)."""
    return [float(str(x)) for x in t.detach().to(torch.float32).reshape(-1).numpy()]

def logits_of(model, rows):
    with torch.no_grad():
        return model(torch.tensor(rows)).logits  # (B, T, V); no padding, full attention

def load_base(folder):
    # hf-llama is bf16 on disk: loading in float32 widens it exactly, as in make_llama_fixtures.
    return AutoModelForCausalLM.from_pretrained(folder, dtype=torch.float32).eval()

def make(name, base_name, seed, **lora):
    base_folder = os.path.join(here, base_name)
    folder = os.path.join(here, name)
    os.makedirs(folder, exist_ok=True)

    base = load_base(base_folder)
    base_logits = logits_of(base, ids)

    config = LoraConfig(lora_dropout=0.0, bias="none", task_type="CAUSAL_LM", **lora)
    model = get_peft_model(base, config)
    # PEFT initialises lora_B to zero (so a fresh adapter is the identity), which would
    # make the test vacuous: give A and B seeded random values instead, in name order.
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for n, p in sorted(model.named_parameters()):
            if ".lora_A." in n:
                p.copy_(torch.randn(p.shape, generator=g) * 0.2)
            elif ".lora_B." in n:
                p.copy_(torch.randn(p.shape, generator=g) * 0.1)
    # peft keeps target_modules as a set and writes it in set order, which follows
    # Python's per-process string hashing; a sorted list makes the file reproducible.
    # base_model_name_or_path is whatever string from_pretrained got (here an absolute
    # path, machine-specific); record the sibling folder's name instead.
    cfg = model.peft_config["default"]
    cfg.target_modules = sorted(cfg.target_modules)
    cfg.base_model_name_or_path = base_name
    # save_embedding_layers="auto" would look base_model_name_or_path up (on the Hub, if
    # it is no folder under the current directory) to see whether the vocabulary grew;
    # no embedding is adapted here, so say so.
    model.save_pretrained(folder, safe_serialization=True, save_embedding_layers=False)
    readme = os.path.join(folder, "README.md")  # a model card template, not needed
    if os.path.exists(readme): os.remove(readme)

    # The reference is what PEFT computes from the files as saved, on a fresh base.
    adapted = PeftModel.from_pretrained(load_base(base_folder), folder).eval()
    adapter_cfg = adapted.peft_config["default"]
    scaling = adapter_cfg.lora_alpha / adapter_cfg.r
    adapted_logits = logits_of(adapted, ids)

    # Before merging, the pieces for the check W' = W + scaling * B @ A.
    pieces = {}
    for n, module in adapted.named_modules():
        if hasattr(module, "lora_A") and "default" in module.lora_A:
            key = n.removeprefix("base_model.model.")
            pieces[key] = (module.base_layer.weight.detach().clone(),
                           module.lora_A["default"].weight.detach().clone(),
                           module.lora_B["default"].weight.detach().clone(),
                           module.scaling["default"])
    merged = adapted.merge_and_unload().eval()
    merged_logits = logits_of(merged, ids)
    merged_params = dict(merged.named_parameters())
    for key, (w, a, b, s) in pieces.items():
        assert s == scaling
        expected_w = w + s * (b @ a)
        got = merged_params[key + ".weight"]
        assert torch.allclose(got, expected_w, atol=1e-6), key

    from safetensors import safe_open
    tensors = []
    with safe_open(os.path.join(folder, "adapter_model.safetensors"), "pt") as f:
        for k in f.keys():
            t = f.get_tensor(k)
            tensors.append({"name": k, "shape": list(t.shape), "dtype": str(t.dtype).removeprefix("torch.")})

    diff_merged = (adapted_logits - merged_logits).abs().max().item()
    diff_base = (adapted_logits - base_logits).abs().max().item()
    assert diff_merged <= tolerance and diff_base > 0.05, (diff_merged, diff_base)
    expected = {
        "ids": ids,
        "logits_shape": list(adapted_logits.shape),
        "logits": f32(adapted_logits),
        "base_logits": f32(base_logits),
        "merged_logits": f32(merged_logits),
        "max_abs_diff_adapted_merged": float(str(np.float32(diff_merged))),
        "max_abs_diff_adapted_base": float(str(np.float32(diff_base))),
        "tensors": tensors,
        "r": adapter_cfg.r,
        "lora_alpha": adapter_cfg.lora_alpha,
        "scaling": scaling,
        "target_modules": sorted(adapter_cfg.target_modules),
    }
    with open(os.path.join(folder, "expected.json"), "w") as f:
        json.dump(expected, f)
    print(f"{name}: {len(tensors)} tensors, adapted vs base {diff_base:.3g}, adapted vs merged {diff_merged:.3g}")

def compare(model, expected_json, label):
    expected = json.load(open(expected_json))
    rows = torch.tensor(expected["ids"])
    if rows.dim() == 1: rows = rows.unsqueeze(0)
    logits = logits_of(model, rows.tolist()).reshape(-1)
    want = torch.tensor(expected["logits"], dtype=torch.float32).reshape(-1)
    if want.numel() != logits.numel():
        print(f"{label}: {want.numel()} expected logits, transformers computes {logits.numel()} "
              f"(ids {list(rows.shape)})")
        sys.exit(1)
    diff = (logits - want).abs().max().item()
    print(f"{label}: max abs diff {diff:.3g}")
    sys.exit(0 if diff <= tolerance else 1)

if len(sys.argv) > 1 and sys.argv[1] == "--reverse":
    if len(sys.argv) != 5: sys.exit("usage: make_lora_fixtures.py --reverse BASE ADAPTER EXPECTED_JSON")
    base_folder, adapter_folder, expected_json = sys.argv[2:]
    model = PeftModel.from_pretrained(load_base(base_folder), adapter_folder).eval()
    compare(model, expected_json, f"{adapter_folder} on {base_folder}, loaded by peft")
elif len(sys.argv) > 1 and sys.argv[1] == "--reverse-merged":
    if len(sys.argv) != 4: sys.exit("usage: make_lora_fixtures.py --reverse-merged FOLDER EXPECTED_JSON")
    folder, expected_json = sys.argv[2:]
    model = load_base(folder)
    compare(model, expected_json, f"{folder}, loaded as {type(model).__name__}")
elif len(sys.argv) > 1:
    sys.exit(f"unknown arguments {sys.argv[1:]}")
else:
    make("hf-llama-lora", "hf-llama", seed=10, r=4, lora_alpha=8,
         target_modules=["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"])
    make("hf-qwen2-lora", "hf-qwen2", seed=11, r=2, lora_alpha=4,
         target_modules=["q_proj", "v_proj"])
