"""Writes pretokenizer_expected.json for PreTokenizerPatternTests: how the
`tokenizers` library's Split pre-tokenizer (behavior "Isolated") cuts a set of
texts with the regex of Llama 3's and of Qwen2's tokenizer.json. The patterns
are copied from those files (meta-llama/Llama-3.2-1B, Qwen/Qwen2.5-0.5B).
Run: python3 Tests/LanguageModelTests/Fixtures/make_pretokenizer_fixture.py"""
import json, os
from tokenizers import Regex, pre_tokenizers

patterns = {
    "llama3": r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+",
    "qwen2": r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+",
}
texts = [
    "Hello world", "Hello, world!", "  two leading spaces", "trailing spaces   ", "I'm sure they'll say it's fine",
    "SHOUTING: I'M HERE, WE'VE WON, HE'D GO", "numbers 1234567 and 3.14159, 42", "x=1+2*3", "tab\there", "line\nbreak",
    "win\r\nline", "several\n\n\nbreaks", "space before newline  \n next", "\n\n  indented\n\tcode", "a  b   c    d",
    "naïve café déjà vu", "Ελληνικά και русский", "数字123和汉字", "emoji 🙂👍 here", "'quoted' 'S 'Ll 're",
    "end with newline\n", "   ", "\n", "...!!!???", " ...end", "x\u00a0y\u2003z", "mixed\t \n\t tail",
    "$100.00 (approx.)", "don't", "#include <stdio.h>\nint main() { return 0; }\n",
]
out = {}
for name, pattern in patterns.items():
    split = pre_tokenizers.Split(Regex(pattern), behavior="isolated", invert=False)
    out[name] = [[piece for piece, _ in split.pre_tokenize_str(t)] for t in texts]
here = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(here, "pretokenizer_expected.json"), "w", encoding="utf-8") as f:
    json.dump({"patterns": patterns, "texts": texts, "pieces": out}, f, ensure_ascii=False, indent=1)
