"""Reference values for RoPETests, computed with numpy from the formulas of
transformers' modeling_rope_utils.py (default and "llama3" inverse
frequencies) and modeling_llama.py (rotate_half; q·cos + rotate_half(q)·sin).
Run: python3 Tests/KernelsTests/Fixtures/rope_reference.py"""
import numpy as np

def inv_freq(hs, theta):
    return (1.0 / (theta ** (np.arange(0, hs, 2, dtype=np.int64).astype(np.float32) / hs))).astype(np.float32)

def llama3(freqs, factor, low, high, original):
    wavelen = 2 * np.pi / freqs.astype(np.float64)
    low_w, high_w = original / low, original / high
    out = np.where(wavelen > low_w, freqs / factor, freqs)
    smooth = (original / wavelen - low) / (high - low)
    smoothed = (1 - smooth) * freqs / factor + smooth * freqs
    mid = ~(wavelen < high_w) & ~(wavelen > low_w)
    return np.where(mid, smoothed, out).astype(np.float32)

def rotate_half(x):
    h = x.shape[-1] // 2
    return np.concatenate([-x[..., h:], x[..., :h]], axis=-1)

hs, heads = 8, 2
x = np.sin(np.arange(3 * heads * hs, dtype=np.float64) * 0.37 + 0.1).astype(np.float32).reshape(3, heads, hs)
positions = np.array([0, 3, 7])
f = inv_freq(hs, 10000.0)
angles = (positions[:, None].astype(np.float32) * f[None, :]).astype(np.float32)
emb = np.concatenate([angles, angles], axis=-1)
cos, sin = np.cos(emb)[:, None, :], np.sin(emb)[:, None, :]
y = x * cos + rotate_half(x) * sin
print("rotated:", ", ".join(f"{v:.7f}" for v in y.reshape(-1)))
f3 = llama3(inv_freq(64, 500000.0), 8.0, 1.0, 4.0, 8192.0)
print("llama3 frequencies [0, 8, 12, 16, 20, 31]:", ", ".join(f"{f3[i]:.9e}" for i in [0, 8, 12, 16, 20, 31]))
