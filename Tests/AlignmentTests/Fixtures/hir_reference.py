"""Independent numpy reference for the HIR loss (HindsightTests).

Zhang et al. 2023, "The Wisdom of Hindsight Makes Language Models Better
Instruction Followers", as its reference code (github.com/tianjunz/HIR,
offline_trainer.py) computes it: Hugging Face's LabelSmoother at epsilon on
the relabeled instruction, plus (1 - eps)·(-log p+/(p+ + p-)) + eps·(-log
p-/(p+ + p-)) with p± = exp(mean token log-probability of the answer under
the instruction and under its counterpart), weighted by lam.

Reads {"logits": [[[...V] ...T] ...R], "targets": [[...T] ...R], "starts":
[...R], "lengths": [...R], "eps": e, "lam": l} on stdin: rows 0..n-1 are the
answers under their instructions, rows n..2n-1 under the counterparts.
Writes {"total", "ce", "contrastive"}, each a mean over the n examples.
"""
import json
import sys

import numpy as np

case = json.load(sys.stdin)
logits = np.array(case["logits"], dtype=np.float64)
targets = np.array(case["targets"], dtype=np.int64)
starts, lengths = case["starts"], case["lengths"]
eps, lam = case["eps"], case["lam"]
n = len(starts) // 2

m = logits.max(axis=-1, keepdims=True)
logp = logits - (m + np.log(np.exp(logits - m).sum(axis=-1, keepdims=True)))

def answer_positions(row):
    return np.arange(starts[row], starts[row] + lengths[row])

ce, contrastive = [], []
for i in range(n):
    pos = answer_positions(i)
    nll = -logp[i, pos, targets[i, pos]]
    smoothed = -logp[i, pos, :].mean(axis=-1)
    ce.append(((1 - eps) * nll + eps * smoothed).mean())
    neg = answer_positions(n + i)
    p_pos = np.exp(logp[i, pos, targets[i, pos]].mean())
    p_neg = np.exp(logp[n + i, neg, targets[n + i, neg]].mean())
    contrastive.append((1 - eps) * -np.log(p_pos / (p_pos + p_neg)) + eps * -np.log(p_neg / (p_pos + p_neg)))

ce, contrastive = float(np.mean(ce)), float(np.mean(contrastive))
print(json.dumps({"total": ce + lam * contrastive, "ce": ce, "contrastive": contrastive}))
