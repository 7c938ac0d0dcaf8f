"""Writes tokenizer-llama2/ and tokenizer-metaspace/: small SentencePiece-style
BPE tokenizers (the "▁" space marker, byte fallback to <0x00>…<0xFF>, fuse_unk,
unk_token <unk>, added tokens <unk> <s> </s>) in the two layouts Hugging Face
ships them in, each with expected.json: the ids and decodes the `tokenizers`
library gives for a set of texts.

- tokenizer-llama2: the legacy layout of meta-llama/Llama-2-7b-hf and
  TinyLlama-1.1B-Chat-v1.0: normalizer Sequence[Prepend("▁"), Replace(" ", "▁")],
  no pre-tokenizer, decoder Sequence[Replace("▁", " "), ByteFallback, Fuse,
  Strip(" ", 1, 0)], TemplateProcessing putting <s> in front; written as those
  files are (merges as "a b" strings, no ignore_merges).
- tokenizer-metaspace: the legacy=False conversion (transformers' LlamaConverter
  and LlamaTokenizerFast): no normalizer, pre-tokenizer Metaspace("▁",
  prepend_scheme "first", split false), the same decoder, post-processor and
  model; written by the tokenizers library itself.

Both share one vocabulary: <unk> <s> </s> (ids 0-2), the 256 byte tokens
<0x00>…<0xFF> (ids 3-258, plain vocabulary tokens as in Llama 2), then the
characters and merges a BpeTrainer learns on a small corpus. The corpus has no
newline or tab, so those fall back to <0x0A> and <0x09> as in Llama 2.
The added tokens are "normalized": false (older Llama copies such as
huggyllama/llama-7b have true, where the normalizer runs before they are
matched, so "<s>" typed in text only matches as "▁<s>").
Run: python3 Tests/LanguageModelTests/Fixtures/make_metaspace_tokenizer_fixture.py"""
import json, os
from tokenizers import AddedToken, Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers

here = os.path.dirname(os.path.abspath(__file__))
SP = "\u2581"
SPECIAL = ["<unk>", "<s>", "</s>"]
BYTES = ["<0x%02X>" % b for b in range(256)]
corpus = [
    "The quick brown fox jumps over the lazy dog. It's 2024, and they'll say we've won 1234567 times!",
    "Ada lives in Lune. Ada's cat is 7 years old; the cat sleeps in the sun.",
    "A naïve café owner said: déjà vu, again? (Yes.) Then 42 + 58 = 100.",
    "  Two  spaces   and three, then the end.",
    "Hello world, hello there. The world is wide and the sea is deep.",
] * 20
texts = [
    "Hello world, hello there.", "The quick brown fox jumps over the lazy dog.", " leading space",
    "trailing space ", "  double  spaces  ", "line one\nline two\n\ttabbed", "\n", " ",
    "It's 2024: 42 + 58 = 100.", "A naïve café, déjà vu.", "Señor Müller über Ørsted", "数字 and 汉字 🙂!",
    "Hello <s> world </s> end", "<s>Hello</s>", "a " + SP + "literal marker", "Zebra xylophone quiz", "",
]
drops = [(0, 1), (2, 1), (11, 1), (11, 2)]  # (text index, leading tokens dropped) for the slice decodes

# Train on SentencePiece-like pieces: "▁" starts a word, runs of "▁" stay together ("▁▁" can merge).
trainer_tok = Tokenizer(models.BPE())
trainer_tok.normalizer = normalizers.Sequence([normalizers.Prepend(SP), normalizers.Replace(" ", SP)])
trainer_tok.pre_tokenizer = pre_tokenizers.Split(
    Regex("%s+(?=%s)|%s?[^%s]+|%s+" % (SP, SP, SP, SP, SP)), behavior="isolated")
# Specials and byte tokens go in as the trainer's special tokens only to take ids 0-258 in order;
# the files below keep just <unk> <s> </s> as added tokens.
trainer_tok.train_from_iterator(corpus, trainers.BpeTrainer(
    vocab_size=450, special_tokens=SPECIAL + BYTES, show_progress=False))
trained = json.loads(trainer_tok.to_str())["model"]
vocab, merges = trained["vocab"], [tuple(m) for m in trained["merges"]]
assert all(vocab[t] == i for i, t in enumerate(SPECIAL + BYTES)) and sorted(vocab.values()) == list(range(len(vocab)))

added = [{"id": i, "content": t, "single_word": False, "lstrip": False, "rstrip": False,
          "normalized": False, "special": True} for i, t in enumerate(SPECIAL)]
post_processor = {
    "type": "TemplateProcessing",
    "single": [{"SpecialToken": {"id": "<s>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}],
    "pair": [{"SpecialToken": {"id": "<s>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
             {"SpecialToken": {"id": "<s>", "type_id": 1}}, {"Sequence": {"id": "B", "type_id": 1}}],
    "special_tokens": {"<s>": {"id": "<s>", "ids": [1], "tokens": ["<s>"]}}}
decoder = {"type": "Sequence", "decoders": [
    {"type": "Replace", "pattern": {"String": SP}, "content": " "}, {"type": "ByteFallback"}, {"type": "Fuse"},
    {"type": "Strip", "content": " ", "start": 1, "stop": 0}]}
llama2 = {
    "version": "1.0", "truncation": None, "padding": None, "added_tokens": added,
    "normalizer": {"type": "Sequence", "normalizers": [
        {"type": "Prepend", "prepend": SP}, {"type": "Replace", "pattern": {"String": " "}, "content": SP}]},
    "pre_tokenizer": None, "post_processor": post_processor, "decoder": decoder,
    "model": {"type": "BPE", "dropout": None, "unk_token": "<unk>", "continuing_subword_prefix": None,
              "end_of_word_suffix": None, "fuse_unk": True, "byte_fallback": True,
              "vocab": vocab, "merges": [a + " " + b for a, b in merges]}}

metaspace = Tokenizer(models.BPE(vocab=vocab, merges=merges, unk_token="<unk>", fuse_unk=True, byte_fallback=True))
metaspace.add_special_tokens([AddedToken(t, normalized=False, special=True) for t in SPECIAL])
metaspace.pre_tokenizer = pre_tokenizers.Metaspace(replacement=SP, prepend_scheme="first", split=False)
metaspace.decoder = decoders.Sequence([decoders.Replace(SP, " "), decoders.ByteFallback(), decoders.Fuse(),
                                       decoders.Strip(content=" ", left=1, right=0)])
metaspace.post_processor = processors.TemplateProcessing(
    single="<s>:0 $A:0", pair="<s>:0 $A:0 <s>:1 $B:1", special_tokens=[("<s>", 1)])

for name in ("llama2", "metaspace"):
    folder = os.path.join(here, "tokenizer-" + name)
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, "tokenizer.json")
    if name == "llama2":
        with open(path, "w", encoding="utf-8") as f:
            json.dump(llama2, f, ensure_ascii=False, indent=2)
            f.write("\n")
    else:
        metaspace.save(path)
    tok = Tokenizer.from_file(path)
    assert tok.get_vocab_size(with_added_tokens=True) == len(vocab)
    enc = [tok.encode(t, add_special_tokens=False) for t in texts]
    ids = [e.ids for e in enc]
    ids_special = [tok.encode(t, add_special_tokens=True).ids for t in texts]
    expected = {
        "texts": texts, "ids": ids, "tokens": [e.tokens for e in enc], "ids_with_special": ids_special,
        "decoded": [tok.decode(i, skip_special_tokens=False) for i in ids],
        "decoded_skip": [tok.decode(i, skip_special_tokens=True) for i in ids],
        "decoded_with_special": [tok.decode(i, skip_special_tokens=False) for i in ids_special],
        "decoded_with_special_skip": [tok.decode(i, skip_special_tokens=True) for i in ids_special],
        "slices": [{"text": t, "drop": k, "ids": ids[t][k:],
                    "decoded": tok.decode(ids[t][k:], skip_special_tokens=False),
                    "decoded_skip": tok.decode(ids[t][k:], skip_special_tokens=True)} for t, k in drops],
    }
    with open(os.path.join(folder, "expected.json"), "w", encoding="utf-8") as f:
        json.dump(expected, f, ensure_ascii=False)
