#!/usr/bin/env python3
"""An independent GPT-2 forward pass in numpy (float64), from the model's
definition (Radford et al. 2019; Hugging Face's modeling_gpt2: Conv1D
weights stored [in, out], gelu_new, layer_norm_epsilon 1e-5, tied LM head).

  python3 gpt2_reference.py make DIR      writes a small random GPT-2 checkpoint
                                          the way Hugging Face lays it out (no
                                          "transformer." prefix, attn.bias mask
                                          buffers, an explicit lm_head.weight,
                                          one F16 and one BF16 tensor) plus
                                          DIR/expected.json with tokens and logits
  python3 gpt2_reference.py logits DIR T1,T2,...
                                          prints the logits of a checkpoint
                                          written by anyone, as JSON
"""

import json
import os
import struct
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from read_safetensors import to_float32  # noqa: E402


def read_checkpoint(directory):
    with open(os.path.join(directory, "config.json")) as f:
        config = json.load(f)
    with open(os.path.join(directory, "model.safetensors"), "rb") as f:
        blob = f.read()
    (n,) = struct.unpack("<Q", blob[:8])
    header = json.loads(blob[8:8 + n])
    params = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        begin, end = info["data_offsets"]
        raw = blob[8 + n + begin:8 + n + end]
        params[name] = to_float32(info["dtype"], raw).astype(np.float64).reshape(info["shape"])
    # Accept both "transformer.h.0..." and "h.0..." names.
    return config, {k[len("transformer."):] if k.startswith("transformer.") else k: v for k, v in params.items()}


def layer_norm(x, w, b):
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(var + 1e-5) * w + b


def gelu_new(x):
    return 0.5 * x * (1 + np.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x ** 3)))


def forward(config, p, tokens):
    T, C, H = len(tokens), config["n_embd"], config["n_head"]
    hs = C // H
    x = p["wte.weight"][tokens] + p["wpe.weight"][:T]
    mask = np.tril(np.ones((T, T), dtype=bool))
    for layer in range(config["n_layer"]):
        q = f"h.{layer}."
        h = layer_norm(x, p[q + "ln_1.weight"], p[q + "ln_1.bias"])
        qkv = h @ p[q + "attn.c_attn.weight"] + p[q + "attn.c_attn.bias"]
        qs, ks, vs = np.split(qkv, 3, axis=-1)
        out = np.zeros((T, C))
        for head in range(H):
            sl = slice(head * hs, (head + 1) * hs)
            scores = qs[:, sl] @ ks[:, sl].T / np.sqrt(hs)
            scores = np.where(mask, scores, -np.inf)
            scores = np.exp(scores - scores.max(-1, keepdims=True))
            scores /= scores.sum(-1, keepdims=True)
            out[:, sl] = scores @ vs[:, sl]
        x = x + out @ p[q + "attn.c_proj.weight"] + p[q + "attn.c_proj.bias"]
        h = layer_norm(x, p[q + "ln_2.weight"], p[q + "ln_2.bias"])
        h = gelu_new(h @ p[q + "mlp.c_fc.weight"] + p[q + "mlp.c_fc.bias"])
        x = x + h @ p[q + "mlp.c_proj.weight"] + p[q + "mlp.c_proj.bias"]
    x = layer_norm(x, p["ln_f.weight"], p["ln_f.bias"])
    return x @ p["wte.weight"].T


def write_safetensors(path, tensors, metadata):
    header, chunks, offset = {"__metadata__": metadata}, [], 0
    for name, dtype, array in tensors:
        if dtype == "F32":
            raw = array.astype("<f4").tobytes()
        elif dtype == "F16":
            raw = array.astype("<f2").tobytes()
        else:  # BF16: the high half of each float32 (values chosen exactly representable)
            raw = (array.astype("<f4").view("<u4") >> 16).astype("<u2").tobytes()
        header[name] = {"dtype": dtype, "shape": list(array.shape), "data_offsets": [offset, offset + len(raw)]}
        chunks.append(raw)
        offset += len(raw)
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(chunks))


def make(directory):
    rng = np.random.default_rng(1234)
    L, H, C, T, V = 2, 2, 16, 8, 23
    config = {"architectures": ["GPT2LMHeadModel"], "model_type": "gpt2", "vocab_size": V,
              "n_positions": T, "n_ctx": T, "n_embd": C, "n_layer": L, "n_head": H,
              "activation_function": "gelu_new", "layer_norm_epsilon": 1e-05, "n_inner": None}
    def rand(*shape, scale=0.3):
        return (rng.standard_normal(shape) * scale).astype(np.float32)
    tensors = [("wte.weight", "F32", rand(V, C)), ("wpe.weight", "F16", rand(T, C).astype(np.float16))]
    for layer in range(L):
        q = f"h.{layer}."
        tensors += [
            (q + "ln_1.weight", "F32", 1 + rand(C, scale=0.1)), (q + "ln_1.bias", "F32", rand(C, scale=0.1)),
            (q + "attn.bias", "F32", np.tril(np.ones((1, 1, T, T), dtype=np.float32))),
            (q + "attn.c_attn.weight", "F32", rand(C, 3 * C)), (q + "attn.c_attn.bias", "F32", rand(3 * C)),
            (q + "attn.c_proj.weight", "F32", rand(C, C)), (q + "attn.c_proj.bias", "F32", rand(C)),
            (q + "ln_2.weight", "F32", 1 + rand(C, scale=0.1)), (q + "ln_2.bias", "F32", rand(C, scale=0.1)),
            (q + "mlp.c_fc.weight", "F32", rand(C, 4 * C)), (q + "mlp.c_fc.bias", "F32", rand(4 * C)),
            (q + "mlp.c_proj.weight", "F32", rand(4 * C, C)), (q + "mlp.c_proj.bias", "F32", rand(C)),
        ]
    bf = (rand(C).view(np.uint32) & 0xFFFF0000).view(np.float32)  # exactly representable in BF16
    tensors += [("ln_f.weight", "F32", 1 + rand(C, scale=0.1)), ("ln_f.bias", "BF16", bf)]
    tensors.append(("lm_head.weight", "F32", tensors[0][2]))
    os.makedirs(directory, exist_ok=True)
    write_safetensors(os.path.join(directory, "model.safetensors"), tensors, {"format": "pt"})
    with open(os.path.join(directory, "config.json"), "w") as f:
        json.dump(config, f, indent=2, sort_keys=True)
    cfg, params = read_checkpoint(directory)
    tokens = [3, 22, 0, 7, 7, 15, 1]
    logits = forward(cfg, params, tokens)
    with open(os.path.join(directory, "expected.json"), "w") as f:
        json.dump({"tokens": tokens, "logits": [round(float(v), 7) for v in logits.reshape(-1)]}, f)


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "make":
        make(sys.argv[2])
    elif len(sys.argv) == 4 and sys.argv[1] == "logits":
        config, params = read_checkpoint(sys.argv[2])
        tokens = [int(t) for t in sys.argv[3].split(",")]
        print(json.dumps([float(v) for v in forward(config, params, tokens).reshape(-1)]))
    else:
        sys.exit(__doc__)
