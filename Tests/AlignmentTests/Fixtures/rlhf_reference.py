"""Independent numpy reference for the RLHF losses (AlignmentTests).

Reads a JSON object of inputs on stdin and writes the results as JSON. Each
formula is written from its paper, not from the Swift code:
  comparison loss  InstructGPT eq. 1 / Bradley-Terry / Llama 2 eq. 2 / soft labels (Lee et al. 2023)
  PPO              Schulman et al. 2017 eq. 7 (clipped surrogate), clipped value loss
  GAE              Schulman et al. 2016 eq. 16
  KL estimators    Schulman 2020, "Approximating KL divergence" (k1, k3)
  Llama 2 reward   Touvron et al. 2023, section 3.2.2
  best-of-n KL     Stiennon et al. 2020, appendix G.3
"""
import json
import sys

import numpy as np


def log_sigmoid(x):
    return -np.logaddexp(0.0, -x)


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def comparison(case):
    r = np.array(case["rewards"], dtype=np.float64)
    loss, grad = 0.0, np.zeros_like(r)
    for w_idx, l_idx, margin, weight, target in case["pairs"]:
        # Cross-entropy to the label t (1 for a hard label; Lee et al. 2023 soft labels).
        x = r[int(w_idx)] - r[int(l_idx)] - margin
        loss += -weight * (target * log_sigmoid(x) + (1.0 - target) * log_sigmoid(-x))
        g = weight * (sigmoid(x) - target)
        grad[int(w_idx)] += g
        grad[int(l_idx)] -= g
    return {"loss": loss, "grad": grad.tolist()}


def policy(case):
    lp, old, adv = (np.array(case[k], dtype=np.float64) for k in ("logp", "old", "adv"))
    eps = case["clip"]
    ratio = np.exp(lp - old)
    unclipped, clipped = -adv * ratio, -adv * np.clip(ratio, 1 - eps, 1 + eps)
    loss = np.maximum(unclipped, clipped)
    grad = np.where(unclipped >= clipped, -adv * ratio, 0.0)
    return {"loss": loss.tolist(), "grad": grad.tolist(), "clipped": (clipped > unclipped).tolist()}


def value(case):
    v, old, ret = (np.array(case[k], dtype=np.float64) for k in ("v", "old", "ret"))
    c = case["clip"]
    vc = old + np.clip(v - old, -c, c)
    l1, l2 = (v - ret) ** 2, (vc - ret) ** 2
    loss = 0.5 * np.maximum(l1, l2)
    grad = np.where(l1 >= l2, v - ret, np.where(np.abs(v - old) < c, vc - ret, 0.0))
    return {"loss": loss.tolist(), "grad": grad.tolist()}


def gae(case):
    r, v = np.array(case["rewards"]), np.array(case["values"])
    g, lam = case["gamma"], case["lambda"]
    n = len(r)
    adv = np.zeros(n)
    for t in range(n):  # the forward sum of eq. 16, not a backward recursion
        total = 0.0
        for k in range(t, n):
            nxt = v[k + 1] if k + 1 < n else 0.0
            delta = r[k] + g * nxt - v[k]
            total += (g * lam) ** (k - t) * delta
        adv[t] = total
    return adv.tolist()


def whiten(x):
    x = np.array(x, dtype=np.float64)
    return ((x - x.mean()) / x.std()).tolist()


def kl(case):
    k1 = np.mean([np.sum(np.array(a) - np.array(b)) for a, b in zip(case["logp"], case["ref"])])
    k3 = np.mean([np.sum(np.exp(np.array(b) - np.array(a)) - 1 - (np.array(b) - np.array(a)))
                  for a, b in zip(case["logp"], case["ref"])])
    return {"k1": k1, "k3": k3}


def combine(case):
    rh, rs = np.array(case["rh"]), np.array(case["rs"])
    unsafe = np.array(case["unsafe"], dtype=bool)
    chosen = np.where(unsafe | (sigmoid(rs) < case["threshold"]), rs, rh)
    return whiten(chosen)


inputs = json.load(sys.stdin)
print(json.dumps({
    "comparison": [comparison(c) for c in inputs["comparison"]],
    "policy": policy(inputs["policy"]),
    "value": value(inputs["value"]),
    "gae": gae(inputs["gae"]),
    "whiten": whiten(inputs["whiten"]),
    "kl": kl(inputs["kl"]),
    "combine": combine(inputs["combine"]),
    "bestofn": [float(np.log(n) - (n - 1) / n) for n in inputs["bestofn"]],
}))
