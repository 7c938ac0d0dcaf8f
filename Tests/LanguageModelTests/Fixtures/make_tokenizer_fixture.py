#!/usr/bin/env python3
"""Writes the tokenizer fixtures used by TokenizerTests.swift, independently of the Swift code.

Run from anywhere:  python3 make_tokenizer_fixture.py
It writes, next to itself:
  tokenizer.json                  Hugging Face format, merges as ["a", "b"] pairs (tokenizers >= 0.20)
  tokenizer_legacy_merges.json    the same tokenizer, merges as "a b" strings (older format)
  vocab.json + merges.txt         the same tokenizer in GPT-2's original two-file form
  tokenizer_expected.json         a fixed text and the ids this script's own GPT-2 BPE encoder gives

Everything here is its own implementation (standard library only): a naive BPE trainer
(recount all pairs every step; ties -> smallest pair by Python string order), GPT-2's
bytes->unicode table, a literal emulation of the GPT-2 split pattern using unicodedata,
and the classic GPT-2 merge loop (merge the lowest-ranked pair everywhere, repeat).
The base byte tokens are numbered in GPT-2's own order (printable bytes first), unlike the
Swift trainer, so the Swift loader must really use the ids from the file.
"""

import json
import os
import unicodedata

HERE = os.path.dirname(os.path.abspath(__file__))

SPECIALS = ["<|endoftext|>", "<|user|>", "<|assistant|>", "<|end|>"]
MERGE_COUNT = 120

# Characters with the Unicode White_Space property (Unicode PropList.txt). This is what
# the Swift side uses for \s (Unicode.Scalar.Properties.isWhitespace); Python's
# str.isspace() differs (it also accepts U+001C..U+001F), so it is not used.
WHITE_SPACE = set(range(0x09, 0x0E)) | {0x20, 0x85, 0xA0, 0x1680} | set(range(0x2000, 0x200B)) | {
    0x2028, 0x2029, 0x202F, 0x205F, 0x3000}


def gpt2_byte_order_and_chars():
    """GPT-2's bytes_to_unicode (OpenAI encoder.py), as an ordered list of (byte, char).

    Printable bytes keep their own code point and come first; every other byte, in
    increasing order, gets the next code point from U+0100 on.
    """
    printable = [b for b in range(256)
                 if 0x21 <= b <= 0x7E or 0xA1 <= b <= 0xAC or 0xAE <= b <= 0xFF]
    pairs = [(b, chr(b)) for b in printable]
    offset = 0
    for b in range(256):
        if b not in printable:
            pairs.append((b, chr(0x100 + offset)))
            offset += 1
    return pairs


BYTE_PAIRS = gpt2_byte_order_and_chars()
BYTE_CHAR = dict(BYTE_PAIRS)


def char_kind(ch):
    """'S' whitespace, 'L' letter (category L*), 'N' number (N*), 'O' anything else."""
    if ord(ch) in WHITE_SPACE:
        return "S"
    major = unicodedata.category(ch)[0]
    if major in ("L", "N"):
        return major
    return "O"


def match_length(s, i):
    """Length of the match of the GPT-2 pattern at s[i:], trying its alternatives in order:
    's|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+
    """
    for tail in ("s", "t", "re", "ve", "m", "ll", "d"):
        if s.startswith("'" + tail, i):
            return 1 + len(tail)
    for kind in ("L", "N", "O"):
        # ' ?' is greedy: first with the space, then (backtracking) without it.
        starts = [i + 1, i] if s[i] == " " else [i]
        for start in starts:
            end = start
            while end < len(s) and char_kind(s[end]) == kind:
                end += 1
            if end > start:
                return end - i
    run_end = i
    while run_end < len(s) and char_kind(s[run_end]) == "S":
        run_end += 1
    # \s+(?!\S): longest run first, then shorter, until the next char is not \S.
    for end in range(run_end, i, -1):
        if end == len(s) or char_kind(s[end]) == "S":
            return end - i
    if run_end > i:  # \s+
        return run_end - i
    raise AssertionError("every character is in some class")


def split_words(s):
    words, i = [], 0
    while i < len(s):
        n = match_length(s, i)
        words.append(s[i:i + n])
        i += n
    return words


def split_specials(text):
    """[(is_special, piece)]: special tokens found left to right, longest first at a position."""
    by_length = sorted(SPECIALS, key=len, reverse=True)
    out, plain, i = [], "", 0
    while i < len(text):
        hit = next((t for t in by_length if text.startswith(t, i)), None)
        if hit is None:
            plain += text[i]
            i += 1
            continue
        if plain:
            out.append((False, plain))
            plain = ""
        out.append((True, hit))
        i += len(hit)
    if plain:
        out.append((False, plain))
    return out


def to_byte_chars(word):
    return "".join(BYTE_CHAR[b] for b in word.encode("utf-8"))


def train(corpus, merge_count):
    """Naive BPE: returns (vocab dict, merges list of (a, b))."""
    freq = {}
    for is_special, piece in split_specials(corpus):
        if is_special:
            continue
        for w in split_words(piece):
            key = tuple(to_byte_chars(w))
            freq[key] = freq.get(key, 0) + 1
    vocab = {}
    for _, ch in BYTE_PAIRS:
        vocab[ch] = len(vocab)
    merges = []
    for _ in range(merge_count):
        counts = {}
        for symbols, n in freq.items():
            for a, b in zip(symbols, symbols[1:]):
                counts[(a, b)] = counts.get((a, b), 0) + n
        candidates = [p for p in counts if p[0] + p[1] not in vocab]
        if not candidates:
            break
        best = min(candidates, key=lambda p: (-counts[p], p))
        merges.append(best)
        vocab[best[0] + best[1]] = len(vocab)
        new_freq = {}
        for symbols, n in freq.items():
            out, k = [], 0
            while k < len(symbols):
                if k + 1 < len(symbols) and (symbols[k], symbols[k + 1]) == best:
                    out.append(best[0] + best[1])
                    k += 2
                else:
                    out.append(symbols[k])
                    k += 1
            new_freq[tuple(out)] = new_freq.get(tuple(out), 0) + n
        freq = new_freq
    return vocab, merges


def bpe_word(chars, ranks):
    """Classic GPT-2 merge loop on one word given as a byte-level string."""
    parts = list(chars)
    while len(parts) > 1:
        ranked = [(ranks[(a, b)], a, b) for a, b in zip(parts, parts[1:]) if (a, b) in ranks]
        if not ranked:
            break
        _, a, b = min(ranked)
        out, k = [], 0
        while k < len(parts):
            if k + 1 < len(parts) and parts[k] == a and parts[k + 1] == b:
                out.append(a + b)
                k += 2
            else:
                out.append(parts[k])
                k += 1
        parts = out
    return parts


def encode(text, vocab, merges, special_ids):
    ranks = {pair: r for r, pair in enumerate(merges)}
    ids, tokens = [], []
    for is_special, piece in split_specials(text):
        if is_special:
            ids.append(special_ids[piece])
            tokens.append(piece)
            continue
        for w in split_words(piece):
            for t in bpe_word(to_byte_chars(w), ranks):
                ids.append(vocab[t])
                tokens.append(t)
    return ids, tokens


CORPUS = "\n".join([
    "The quick brown fox jumps over the lazy dog. The dog doesn't care; the fox won't stop.",
    "I'll tell you what I've seen: they're here, we'd go, you'll see, it's fine, I'm sure.",
    "Numbers like 12345, 2024 and 3.14159 appear in the text; so do 42 and 7.",
    "Hello, world! Hello again, world!! Say hello to the world, then say it again.",
    "She said: \"don't panic\" -- and then (quietly) added: 'it's only a test...'",
    "\tIndented line with a tab.\n\n    Four spaces, then words.  Two spaces here.",
    "Caf\u00e9 cr\u00e8me, na\u00efve r\u00e9sum\u00e9; \u65e5\u672c\u8a9e\u306e\u30c6\u30ad\u30b9\u30c8; emoji \U0001F642\U0001F680 fun.",
    "<|endoftext|>A new document starts here, and the end is near.<|endoftext|>",
    "<|user|>What is the answer?<|end|><|assistant|>The answer is 42.<|end|>",
] * 3)

TEXT = (
    "Hello world! I'll say it: don't panic.\n"
    "Numbers 12345 and 3.14, tabs\there,  two spaces   three.\n\n"
    "Emoji \U0001F642 ok? CJK \u65e5\u672c\u8a9e caf\u00e9 e\u0301 they're "
    "<|endoftext|>Next doc's 'quote' <|user|>hi<|end|><|assistant|>The answer is 42.<|end|>\n"
    "   trailing spaces   "
)


def random_text(seed, length):
    """A jumble of the characters and sequences the pre-tokenizer distinguishes."""
    import random
    rng = random.Random(seed)
    pool = list("abcdefghijklmnopqrstuvwxyzABCXYZ0123456789") + [
        " ", " ", " ", "  ", "\t", "\n", "\r\n", "\u00a0", "\u3000", "'", "'s", "'ll", "'t", "'re",
        ".", ",", "!", "?", "-", "(", ")", "\"", "\u00e9", "e\u0301", "\u00b2", "\u2164", "\u0663",
        "\u65e5\u672c", "\U0001F642", "\U0001F680", "the", " the", "that", " answer", "don't",
    ] + SPECIALS
    return "".join(rng.choice(pool) for _ in range(length))


def json_string(s):
    return json.dumps(s, ensure_ascii=False)


def write_tokenizer_json(path, vocab, merges, added, pair_merges):
    lines = ["{", '  "version": "1.0",', '  "truncation": null,', '  "padding": null,',
             '  "added_tokens": [']
    for k, (content, i) in enumerate(added):
        sep = "," if k + 1 < len(added) else ""
        lines.append('    {"id": %d, "content": %s, "single_word": false, "lstrip": false, '
                     '"rstrip": false, "normalized": false, "special": true}%s' % (i, json_string(content), sep))
    lines += ["  ],", '  "normalizer": null,',
              '  "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": false, "trim_offsets": true, "use_regex": true},',
              '  "post_processor": {"type": "ByteLevel", "add_prefix_space": true, "trim_offsets": false, "use_regex": true},',
              '  "decoder": {"type": "ByteLevel", "add_prefix_space": true, "trim_offsets": true, "use_regex": true},',
              '  "model": {', '    "type": "BPE",', '    "dropout": null,', '    "unk_token": null,',
              '    "continuing_subword_prefix": "",', '    "end_of_word_suffix": "",',
              '    "fuse_unk": false,', '    "byte_fallback": false,', '    "vocab": {']
    items = sorted(vocab.items(), key=lambda kv: kv[1])
    for k, (tok, i) in enumerate(items):
        lines.append("      %s: %d%s" % (json_string(tok), i, "," if k + 1 < len(items) else ""))
    lines += ["    },", '    "merges": [']
    for k, (a, b) in enumerate(merges):
        entry = "[%s, %s]" % (json_string(a), json_string(b)) if pair_merges else json_string(a + " " + b)
        lines.append("      %s%s" % (entry, "," if k + 1 < len(merges) else ""))
    lines += ["    ]", "  }", "}"]
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")


def main():
    vocab, merges = train(CORPUS, MERGE_COUNT)
    assert len(merges) == MERGE_COUNT
    special_ids = {t: len(vocab) + k for k, t in enumerate(SPECIALS)}
    # Like GPT-2's own tokenizer.json, <|endoftext|> is both in the model vocab and in
    # added_tokens (same id); the other special tokens are only in added_tokens.
    model_vocab = dict(vocab)
    model_vocab[SPECIALS[0]] = special_ids[SPECIALS[0]]
    added = [(t, special_ids[t]) for t in SPECIALS]

    write_tokenizer_json(os.path.join(HERE, "tokenizer.json"), model_vocab, merges, added, True)
    write_tokenizer_json(os.path.join(HERE, "tokenizer_legacy_merges.json"), model_vocab, merges, added, False)

    # GPT-2 two-file form: every special token is in vocab.json.
    full_vocab = dict(vocab)
    full_vocab.update(special_ids)
    with open(os.path.join(HERE, "vocab.json"), "w", encoding="utf-8") as f:
        json.dump(full_vocab, f, ensure_ascii=False)
    with open(os.path.join(HERE, "merges.txt"), "w", encoding="utf-8") as f:
        f.write("#version: 0.2\n")
        for a, b in merges:
            f.write("%s %s\n" % (a, b))

    ids, tokens = encode(TEXT, vocab, merges, special_ids)
    merged = sum(1 for t in tokens if len(t) > 1 and t not in SPECIALS)
    assert merged >= 10, "the fixed text should exercise merges"
    with open(os.path.join(HERE, "tokenizer_expected.json"), "w", encoding="utf-8") as f:
        extra = []
        for more in (CORPUS, random_text(1, 3000)):
            more_ids, _ = encode(more, vocab, merges, special_ids)
            extra.append({"text": more, "ids": more_ids})
        json.dump({"text": TEXT, "ids": ids, "tokens": tokens, "more_cases": extra},
                  f, ensure_ascii=False)
        f.write("\n")
    print("vocab %d + %d special, %d merges; text -> %d ids (%d multi-byte tokens)"
          % (len(vocab), len(SPECIALS), len(merges), len(ids), merged))


if __name__ == "__main__":
    main()
