"""Checks rlhf's OpenRLHF and verl exports against the engines' own sources
(issue 34): they need GPUs to run, so each launch script is checked against
the argument parser or config schema of the released wheel instead.

- OpenRLHF 0.11.2: the script's flags are parsed by the engine's own argparse
  parser, rebuilt from the `if __name__ == "__main__"` block of its
  openrlhf/cli/train_*.py (nothing else of OpenRLHF is imported), so a
  misspelt flag, a wrong type or a value outside its choices fails.
- verl 0.9.1: every override's key must exist in the config the entry point
  composes (verl/trainer/config/_generated_ppo_trainer.yaml, or
  sft_trainer_engine.yaml with its model/optim/engine defaults), with a value
  of the default's type; data/prepare_verl.py must write parquet rows of the
  shape verl's examples write.
- Every path the scripts name must exist in the folder, and reward.py's three
  adapters, called as each engine calls them, must get the rewards rlhf's
  `serve reward` gives (the gold labeler).

usage: python3 scripts/engine_check.py WHEELS_DIR EXPORT_DIR... (run by scripts/export-check)
"""

import argparse
import ast
import datetime
import glob
import importlib.util
import json
import os
import re
import shlex
import subprocess
import sys

import yaml

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from trl_check import serve_gold, stop  # noqa: E402


def script_words(path):
    """The command and the words of the `args=(…)` array of an exported launch script."""
    lines = open(path).read().splitlines()
    start, end = lines.index("args=("), lines.index(")")
    words = []
    for line in lines[start + 1:end]:
        words += shlex.split(line, comments=True)
    command = lines[end + 1].split('"${args[@]}"')[0].split()
    return command, [w.replace("$PWD", os.getcwd()) for w in words]


def openrlhf_parser(root, module):
    """OpenRLHF's own parser for `module`, rebuilt from its __main__ block."""
    path = os.path.join(root, "openrlhf", "cli", module.split(".")[-1] + ".py")
    tree = ast.parse(open(path).read())
    for node in tree.body:
        if isinstance(node, ast.If) and "__main__" in ast.unparse(node.test):
            body = []
            for statement in node.body:
                text = ast.unparse(statement)
                if "parse_args" in text:
                    break
                body.append(text)
            env = {"argparse": argparse, "os": os, "datetime": datetime.datetime}
            exec("\n".join(body), env)
            return env["parser"]
    raise SystemExit(f"{path}: no __main__ block to read the parser from")


def check_openrlhf(root, script):
    command, words = script_words(script)
    module = command[command.index("-m") + 1] if "-m" in command else command[command.index("--module") + 1]
    parser = openrlhf_parser(root, module)
    parser.exit = lambda status=0, message=None: (_ for _ in ()).throw(SystemExit(f"{script}: {message}"))
    parser.error = lambda message: (_ for _ in ()).throw(SystemExit(f"{script}: OpenRLHF's parser refuses it: {message}"))
    args = parser.parse_args(words)
    for key in ("model.model_name_or_path", "actor.model_name_or_path", "ref.model_name_or_path", "critic.model_name_or_path",
                "reward.model_name_or_path", "reward.remote_url", "data.dataset", "data.prompt_dataset"):
        value = getattr(args, key, None)
        if value and not os.path.exists(value):
            raise SystemExit(f"{script}: --{key} {value} does not exist in the folder")
    return f"{len(words)} words parsed by openrlhf.cli.{module.split('.')[-1]}"


def composed_verl(root, entry):
    """The config verl's entry point composes, as one nested dict."""
    config = os.path.join(root, "verl", "trainer", "config")
    if entry.endswith("main_ppo"):
        return yaml.safe_load(open(os.path.join(config, "_generated_ppo_trainer.yaml")))
    base = yaml.safe_load(open(os.path.join(config, "sft_trainer_engine.yaml")))
    for default in base.pop("defaults"):
        if isinstance(default, dict):
            (group, name), = default.items()
            base[group.split("@")[-1]] = yaml.safe_load(open(os.path.join(config, group.split("@")[0], name + ".yaml")))
    return base


def check_verl(root, script):
    command, words = script_words(script)
    entry = command[command.index("-m") + 1]
    config = composed_verl(root, entry)
    for word in words:
        key, value = word.split("=", 1)
        node = config
        for part in key.split("."):
            if not isinstance(node, dict) or part not in node:
                raise SystemExit(f"{script}: {key} is not a key of verl's {entry} config (Hydra would refuse it)")
            node = node[part]
        ours = yaml.safe_load(value)
        if isinstance(node, str) and re.fullmatch(r"[-+]?\d+(\.\d*)?[eE][-+]?\d+", node):
            node = float(node)  # YAML 1.1 reads 1e-3 as text; OmegaConf, which verl uses, as a number
        open_default = node is None or isinstance(node, str) and node.startswith(("${", "???", "~"))
        kinds = (int, float) if isinstance(node, (int, float)) and not isinstance(node, bool) else type(node)
        if not open_default and not isinstance(ours, kinds):
            raise SystemExit(f"{script}: {key}={value} is a {type(ours).__name__}; verl's default {node!r} is a {type(node).__name__}")
        if value.startswith("/") and not os.path.exists(value):
            raise SystemExit(f"{script}: {key}={value} does not exist")
    # What verl refuses at start: a mandatory value (???) left in a part the run uses, tensor parallelism over more GPUs than given.
    given = dict(word.split("=", 1) for word in words)
    used = (["actor_rollout_ref"] if "actor_rollout_ref" in config else []) + (
        ["reward.reward_model"] if given.get("reward.reward_model.enable") == "true" else [])

    def mandatory(node, path):
        if isinstance(node, dict):
            for k, v in node.items():
                yield from mandatory(v, f"{path}.{k}")
        elif node == "???":
            yield path[1:]
    for part in used:
        node = config
        for p in part.split("."):
            node = node[p]
        for key in mandatory(node, "." + part):
            if key not in given:
                raise SystemExit(f"{script}: verl requires {key}, which the script leaves unset")
    gpus = int(given.get("trainer.n_gpus_per_node", 8)) * int(given.get("trainer.nnodes", 1))
    for key in ("actor_rollout_ref.rollout.tensor_model_parallel_size", "reward.reward_model.rollout.tensor_model_parallel_size"):
        node = config
        for p in key.split("."):
            node = node.get(p) if isinstance(node, dict) else None
        size = int(given.get(key, node or 1))
        if any(key.startswith(u) for u in used) and size > gpus:
            raise SystemExit(f"{script}: {key} is {size} on {gpus} GPUs: verl would start no rollout replica")
    return f"{len(words)} overrides found in {entry}'s config"


def check_verl_data(folder):
    import pyarrow.parquet as pq

    subprocess.run([sys.executable, "data/prepare_verl.py"], check=True)
    out = []
    if os.path.exists("data/prompts.parquet"):
        rows = pq.read_table("data/prompts.parquet").to_pylist()
        first = rows[0]
        assert set(first) == {"data_source", "prompt", "ability", "reward_model", "extra_info"}, first
        assert first["prompt"][0]["role"] == "user" and isinstance(first["extra_info"]["prompt"], str), first
        assert "ground_truth" in first["reward_model"], first
        out.append(f"prompts.parquet {len(rows)} rows")
    if os.path.exists("data/sft.parquet"):
        rows = pq.read_table("data/sft.parquet").to_pylist()
        assert [m["role"] for m in rows[0]["messages"]] == ["user", "assistant"], rows[0]
        out.append(f"sft.parquet {len(rows)} rows")
    return ", ".join(out)


def check_adapters(folder, reward):
    """reward.py's three adapters, called as TRL, OpenRLHF and verl call them, against rlhf serving gold."""
    server, url = serve_gold(reward)
    os.environ["RLHF_REWARD_URL"] = url
    try:
        spec = importlib.util.spec_from_file_location("reward", os.path.join(folder, "reward.py"))
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        question = "What animal does Lars keep?"
        answers = ["Lars has a hare.", "I do not know."]
        trl = module.trl_reward([[{"role": "user", "content": question}]] * 2,
                                [[{"role": "assistant", "content": a}] for a in answers])
        rendered = f"<|user|> {question} <|assistant|>"
        # OpenRLHF 0.11 asks for one answer at a time (openrlhf/utils/agent.py), its label "" without a label key.
        openrlhf = [module.reward_func([f"{rendered} {a} <|end|>"], [rendered], [""])["rewards"].tolist()[0] for a in answers]
        verl = [module.compute_score("rlhf", a, "", {"prompt": question, "safety": False}) for a in answers]
    finally:
        stop(server)
    if not (trl == verl and all(abs(a - b) < 1e-6 for a, b in zip(trl, openrlhf)) and trl[0] > trl[1]):
        raise SystemExit(f"{folder}: reward.py's adapters disagree: TRL {trl}, OpenRLHF {openrlhf}, verl {verl}")
    return f"gold {trl} by all three"


if __name__ == "__main__":
    wheels = os.path.abspath(sys.argv[1])
    openrlhf_root = glob.glob(os.path.join(wheels, "openrlhf", "openrlhf-*.data", "purelib"))[0]
    verl_root = os.path.join(wheels, "verl")
    for folder in [os.path.abspath(f) for f in sys.argv[2:]]:
        os.chdir(folder)
        summary = json.load(open("export.json"))
        name = f"{summary['run']} ({summary['method']})"
        configs = summary["configs"]
        if "openrlhf" in configs:
            print(f"{name}: {configs['openrlhf']}: {check_openrlhf(openrlhf_root, configs['openrlhf'])}")
        if "verl" in configs:
            data = check_verl_data(folder)  # first: the parquet files the script names
            print(f"{name}: {configs['verl']}: {check_verl(verl_root, configs['verl'])}; {data}")
        if summary.get("reward") and os.path.exists("reward.py"):
            print(f"{name}: reward.py: {check_adapters(folder, summary['reward'])}")
