"""Writes tokenizer-llama3/ and tokenizer-qwen2/ for LlamaTokenizerTests: small
byte-level BPE tokenizers built with the `tokenizers` library in the layout of
Llama 3's tokenizer.json (Split with Llama 3's regex, then ByteLevel without
its regex; ignore_merges), Qwen2's (NFC normalizer, Qwen2's regex) and
SmolLM's (Digits one by one, then ByteLevel with GPT-2's regex), each
with special tokens, and expected.json: the ids `tokenizers` gives for a set
of texts. Run: python3 Tests/LanguageModelTests/Fixtures/make_llama_tokenizer_fixture.py"""
import json, os
from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, trainers

here = os.path.dirname(os.path.abspath(__file__))
patterns = json.load(open(os.path.join(here, "pretokenizer_expected.json"), encoding="utf-8"))["patterns"]
corpus = [
    "The quick brown fox jumps over the lazy dog. It's 2024, and they'll say we've won 1234567 times!",
    "def main():\n    return 42\n\nprint(main())\n", "Ada lives in Lune. Ada's cat is 7 years old.",
    "naïve café, déjà vu; Ελληνικά και русский; 数字和汉字 🙂", "  indented\n\ttabbed\r\nwindows line\n\n\nbreaks",
] * 20
texts = [
    "Hello world! It's a test.", "The lazy dog's 12345 bones", "café naïve déjà", "cafe\u0301 (decomposed)",
    "  leading\n\n\ttabs\r\n", "<|begin_of_text|>Hi<|eot_id|>", "unseen words: zebra xylophone", "数字123🙂 x2 ²³ 4,567.89",
]
for name, special in (("llama3", ["<|begin_of_text|>", "<|eot_id|>"]), ("qwen2", ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]),
                      ("digits", ["<|endoftext|>", "<|im_start|>", "<|im_end|>"])):
    tok = Tokenizer(models.BPE(ignore_merges=(name == "llama3")))
    if name == "qwen2":
        tok.normalizer = normalizers.NFC()
    if name == "digits":  # SmolLM's: each digit alone, then GPT-2's regex
        tok.pre_tokenizer = pre_tokenizers.Sequence([
            pre_tokenizers.Digits(individual_digits=True), pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)])
    else:
        tok.pre_tokenizer = pre_tokenizers.Sequence([
            pre_tokenizers.Split(Regex(patterns[name]), behavior="isolated", invert=False),
            pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)])
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=420, special_tokens=special, show_progress=False,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    tok.train_from_iterator(corpus, trainer)
    folder = os.path.join(here, "tokenizer-" + name)
    os.makedirs(folder, exist_ok=True)
    tok.save(os.path.join(folder, "tokenizer.json"))
    ids = [tok.encode(t, add_special_tokens=False).ids for t in texts]
    with open(os.path.join(folder, "expected.json"), "w", encoding="utf-8") as f:
        json.dump({"texts": texts, "ids": ids}, f, ensure_ascii=False)
