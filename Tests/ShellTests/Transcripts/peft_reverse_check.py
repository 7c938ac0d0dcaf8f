"""The reverse direction for LoRA: adapters trained and saved by rlhf load in
peft on their base, and give the logits of the model rlhf merged.

Runs .build/release/rlhf (from the repository root) on hf-models/chat-llama
(sft with lora=4 on four modules) and hf-models/chat-qwen2 (dpo with lora=2 on
every module), saves each adapter and its merged model, then loads the adapter
with peft's PeftModel.from_pretrained and the merged folder with transformers,
and compares their logits on fixed ids (max abs diff ≤ 1e-5), and checks the
adapter moved the logits at all. Needs torch, transformers and peft.
    python3 Tests/ShellTests/Transcripts/peft_reverse_check.py"""
import os, subprocess, sys, tempfile
import torch
from peft import PeftModel
from transformers import AutoModelForCausalLM

here = os.path.dirname(os.path.abspath(__file__))
binary = os.path.abspath(".build/release/rlhf")
script = """load model llama hf-models/chat-llama
load data demos records.jsonl
sft llama on demos steps=3 batch=2 lora=4 lora_targets=q_proj,v_proj,down_proj,gate_proj lr=3e-2 seed=1
save model llama {out}/llama-lora
copy model llama m
merge adapter m
save model m {out}/llama-merged
load model q hf-models/chat-qwen2
load data pairs trl_pairs.jsonl
dpo init d policy=q data=pairs batch=2 lora=2 lr=5e-2
dpo step 3
save model d.policy {out}/qwen-lora
copy model d.policy qm
merge adapter qm
save model qm {out}/qwen-merged
"""
with tempfile.TemporaryDirectory() as out:
    subprocess.run([binary, "-c", script.format(out=out)], cwd=here, check=True, capture_output=True)
    ids = torch.tensor([[0, 5, 17, 42, 99, 3, 200, 7]])
    worst = 0.0
    for base, name in (("chat-llama", "llama"), ("chat-qwen2", "qwen")):
        model = AutoModelForCausalLM.from_pretrained(os.path.join(here, "hf-models", base), dtype=torch.float32).eval()
        with torch.no_grad():
            plain = model(ids).logits
        adapted = PeftModel.from_pretrained(model, os.path.join(out, name + "-lora")).eval()
        merged = AutoModelForCausalLM.from_pretrained(os.path.join(out, name + "-merged"), dtype=torch.float32).eval()
        with torch.no_grad():
            a, m = adapted(ids).logits, merged(ids).logits
        diff, moved = (a - m).abs().max().item(), (a - plain).abs().max().item()
        print(f"{name}: peft on rlhf's adapter vs rlhf's merge: max abs diff {diff:.3g}; the adapter moves logits by {moved:.3g}")
        assert diff <= 1e-5 and moved > 1e-3
        worst = max(worst, diff)
print(f"ok: worst {worst:.3g}")
