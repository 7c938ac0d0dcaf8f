import Datasets

/// The export's reward.py: thin adapters through which TRL, OpenRLHF and verl
/// call a reward that `serve reward` serves, each in the engine's own
/// signature (TRL 1.16 GRPOTrainer's reward functions; OpenRLHF v0.11's
/// `--remote_rm_url FILE.py` reward_func; verl v0.9's custom_reward_function).
enum RewardAdapters {
    static func python(reward: String, fields: [String]) -> String {
        let fieldList = "[" + fields.map(jsonQuoted).joined(separator: ", ") + "]"
        return #"""
            """The reward `\#(reward)` of an rlhf session, for TRL, OpenRLHF and verl.

            Start the server in rlhf first (`serve reward \#(reward) port=8000`); set
            RLHF_REWARD_URL when it listens elsewhere. Written by rlhf's export.
            """

            import json
            import os
            import urllib.request

            URL = os.environ.get("RLHF_REWARD_URL", "http://127.0.0.1:8000/get_reward")
            # The prompt record's fields the reward reads (a match reward's answer).
            FIELDS = \#(fieldList)


            def _post(body):
                request = urllib.request.Request(URL, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"})
                try:
                    with urllib.request.urlopen(request, timeout=600) as reply:
                        return json.load(reply)["rewards"]
                except urllib.error.HTTPError as error:
                    raise RuntimeError(f"rlhf's reward server refused the request: {error.read().decode()}") from None


            def _user(prompt):
                """A prompt's user message: the last user turn of a conversation, or the text itself."""
                if isinstance(prompt, list):
                    return [m for m in prompt if m["role"] == "user"][-1]["content"]
                return prompt


            def _reply(completion):
                return completion[-1]["content"] if isinstance(completion, list) else completion


            def trl_reward(prompts, completions, **kwargs):
                """TRL's reward function (GRPOTrainer and RLOOTrainer): dataset columns arrive as keyword lists."""
                fields = [{k: str(kwargs[k][i]) for k in FIELDS if kwargs.get(k) is not None} for i in range(len(prompts))]
                safety = [bool(x) for x in (kwargs.get("safety") or [False] * len(prompts))]
                return _post({"prompts": [_user(p) for p in prompts], "responses": [_reply(c) for c in completions],
                              "fields": fields, "safety": safety})


            def reward_func(queries, prompts, labels):
                """OpenRLHF's reward function (--remote_rm_url reward.py): queries are prompt + response as rendered."""
                import torch

                body = {"query": list(queries), "prompts": list(prompts)}
                if FIELDS and labels is not None:
                    body["fields"] = [{FIELDS[0]: str(label)} for label in labels]
                rewards = torch.tensor(_post(body), dtype=torch.float)
                return {"rewards": rewards, "scores": rewards, "extra_logs": {}}


            def compute_score(data_source, solution_str, ground_truth, extra_info=None, **kwargs):
                """verl's custom reward function: one response; extra_info carries the user's prompt."""
                info = extra_info or {}
                fields = [{FIELDS[0]: str(ground_truth)}] if FIELDS and ground_truth is not None else [{}]
                return _post({"prompts": [info.get("prompt", "")], "responses": [solution_str], "fields": fields,
                              "safety": [bool(info.get("safety", False))]})[0]

            """#
    }
}
