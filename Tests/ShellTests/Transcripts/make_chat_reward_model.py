"""Writes hf-models/chat-qwen2-rm for ChatRewardModelTests and the hub transcript:
a tiny random Qwen2ForSequenceClassification (one label: a reward model) with
chat-qwen2's tokenizer and Qwen2.5's chat template, as save_pretrained writes
them. expected.json holds, per (prompt, response), the ids
apply_chat_template([user, assistant], tokenize=True) gives and the score
transformers reads at the last of them, as Skywork-Reward-V2's model cards
score a conversation. Run from the repository root after make_chat_models.py
(needs torch and transformers):
    python3 Tests/ShellTests/Transcripts/make_chat_reward_model.py"""
import json, os, shutil
import torch
from transformers import PreTrainedTokenizerFast, Qwen2Config, Qwen2ForSequenceClassification

here = os.path.dirname(os.path.abspath(__file__))
source, folder = os.path.join(here, "hf-models", "chat-qwen2"), os.path.join(here, "hf-models", "chat-qwen2-rm")
os.makedirs(folder, exist_ok=True)
for f in os.listdir(folder):
    os.remove(os.path.join(folder, f))
tok = PreTrainedTokenizerFast.from_pretrained(source)
torch.manual_seed(5)
pad = tok.convert_tokens_to_ids("<|endoftext|>")
model = Qwen2ForSequenceClassification(Qwen2Config(
    vocab_size=400, hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=4,
    num_key_value_heads=2, max_position_embeddings=256, tie_word_embeddings=True, num_labels=1, pad_token_id=pad,
    initializer_range=0.3)).eval()
model.save_pretrained(folder, safe_serialization=True)
for name in ("tokenizer.json", "tokenizer_config.json"):
    shutil.copy(os.path.join(source, name), os.path.join(folder, name))
if os.path.exists(os.path.join(folder, "generation_config.json")):
    os.remove(os.path.join(folder, "generation_config.json"))
pairs = [("What is 3 + 4?", "7."), ("What is 3 + 4?", "It is 8."), ("Where does Ada live?", "Ada lives in Lune.")]
cases = []
for prompt, response in pairs:
    ids = tok.apply_chat_template([{"role": "user", "content": prompt}, {"role": "assistant", "content": response}],
                                  tokenize=True, return_dict=False)
    with torch.no_grad():
        score = model(torch.tensor([ids])).logits[0, 0].item()
    cases.append({"prompt": prompt, "response": response, "ids": ids, "score": score})
with open(os.path.join(folder, "expected.json"), "w", encoding="utf-8") as f:
    json.dump({"cases": cases}, f)
print("wrote hf-models/chat-qwen2-rm:", [round(c["score"], 6) for c in cases])
