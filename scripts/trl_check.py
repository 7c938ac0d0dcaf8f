"""Checks rlhf's exports against TRL itself (issue 34): for each export folder,
TRL's own command-line parser reads configs/trl-METHOD.yaml, TRL's trainer
is built as `trl METHOD` builds it, and its loss on the records of the run's
first batch (data/first-batch.jsonl), before any update, must equal the loss
rlhf computed on them (export.json) within TOLERANCE. Then `trl METHOD
--config …` itself trains a few steps from the folder.

usage: python3 scripts/trl_check.py EXPORT_DIR... (run by scripts/export-check)
"""

import ast
import importlib
import json
import math
import os
import queue
import re
import signal
import subprocess
import sys
import threading

# f32 on both sides; the sums differ only in order: measured agreement is within 2e-6.
TOLERANCE = 1e-4


def trainer_for(method, summary, folder):
    """TRL's trainer for the folder's config, evaluating on the first batch."""
    from datasets import load_dataset
    from trl import get_peft_config

    parser = importlib.import_module(f"trl.scripts.{method}").make_parser()
    parsed = parser.parse_args_and_config(args=["--config", summary["configs"]["trl"]], fail_with_unknown_args=False)
    _, args, model_args = parsed[0], parsed[1], parsed[2]
    first = load_dataset("json", data_files=summary["first_step"]["data"])["train"]
    args.per_device_eval_batch_size = summary["first_step"]["records"]  # the whole batch as one, as rlhf's step took it
    args.output_dir = os.path.join(folder, "out", "check")
    kwargs = dict(model=model_args.model_name_or_path, args=args, train_dataset=first, eval_dataset=first,
                  peft_config=get_peft_config(model_args))
    if method == "sft":
        from trl import SFTTrainer as Trainer
    elif method == "reward":
        from trl import RewardTrainer as Trainer
    elif method == "dpo":
        from trl import DPOTrainer as Trainer
        if summary.get("reference"):
            from transformers import AutoModelForCausalLM
            kwargs["ref_model"] = AutoModelForCausalLM.from_pretrained(summary["reference"])
    else:
        raise SystemExit(f"no first-step check for {method}")
    return Trainer(**kwargs)


def check(folder):
    os.chdir(folder)
    with open("export.json") as f:
        summary = json.load(f)
    method, rows = summary["method"], []
    if "trl" not in summary["configs"]:
        return rows
    if "first_step" in summary:
        trl_loss = trainer_for(method, summary, folder).evaluate()["eval_loss"]
        ours = summary["first_step"]["loss"]
        rows.append((f"{summary['run']} ({method}) first-step loss on {summary['first_step']['records']} records",
                     f"TRL {trl_loss:.6f}", f"rlhf {ours:.6f}", abs(trl_loss - ours)))
        if not abs(trl_loss - ours) <= TOLERANCE:
            raise SystemExit(f"{folder}: TRL's first-step loss {trl_loss} is not rlhf's {ours} (tolerance {TOLERANCE})")
    # The configuration as a user launches it, two steps; an RL run's reward from rlhf's server on the gold labeler.
    server, env = None, dict(os.environ)
    if summary.get("reward") and "reward.trl_reward" in open(summary["configs"]["trl"]).read():
        server, env["RLHF_REWARD_URL"] = serve_gold(summary["reward"])
    try:
        run = subprocess.run(["trl", method, "--config", summary["configs"]["trl"], "--max_steps", "2", "--output_dir", "out/check-run",
                              "--save_strategy", "no"], capture_output=True, text=True, env=env, timeout=900)
    finally:
        served = stop(server) if server else None
    if run.returncode != 0:
        raise SystemExit(f"{folder}: trl {method} failed:\n{run.stdout[-3000:]}\n{run.stderr[-3000:]}")
    losses = [float(ast.literal_eval(line)["loss"]) for line in run.stdout.splitlines() if line.startswith("{'loss'")]
    if len(losses) < 2 or not all(math.isfinite(x) for x in losses):
        raise SystemExit(f"{folder}: trl {method} logged no two finite losses:\n{run.stdout[-3000:]}\n{run.stderr[-3000:]}")
    rows.append((f"trl {method} --config {summary['configs']['trl']}", "2 steps", "losses " + ", ".join(f"{x:.4f}" for x in losses), None))
    if server:
        requests = int(re.search(r"after (\d+) request", served).group(1)) if "after" in served else 0
        if requests < 2:
            raise SystemExit(f"{folder}: rlhf's reward server answered {requests} requests, not one per step:\n{served}")
        rows.append((f"serve reward {summary['reward']} (gold)", f"{requests} requests", served.strip().splitlines()[-1], None))
    return rows


def serve_gold(name):
    """rlhf serving the gold labeler as the reward `name`; the server and its URL."""
    rlhf = os.environ.get("RLHF", "rlhf")
    server = subprocess.Popen([rlhf], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    server.stdin.write(f"reward {name} gold\nserve reward {name} port=0\n")
    server.stdin.close()  # rlhf reads a piped script to its end before running it
    lines = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in server.stdout], daemon=True).start()
    seen = ""
    while True:
        try:
            line = lines.get(timeout=120)
        except queue.Empty:
            server.kill()
            raise SystemExit(f"rlhf did not start serving within 2 minutes:\n{seen}")
        seen += line
        found = re.search(r"http://127\.0\.0\.1:(\d+)/get_reward", line)
        if found:
            server.lines = lines
            return server, f"http://127.0.0.1:{found.group(1)}/get_reward"


def stop(server):
    """Ctrl-C to the server, as a user stops it; what it printed after starting."""
    server.send_signal(signal.SIGINT)
    try:
        server.wait(timeout=120)
    except subprocess.TimeoutExpired:
        server.kill()
        raise SystemExit("rlhf's reward server did not stop within 2 minutes of Ctrl-C")
    out = ""
    while True:
        try:
            out += server.lines.get(timeout=5)
        except queue.Empty:
            return out


if __name__ == "__main__":
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    results = []
    for folder in [os.path.abspath(f) for f in sys.argv[1:]]:
        results += check(folder)
    for what, a, b, gap in results:
        print(f"{what}: {a} {b}" + (f" (|Δ| {gap:.1e} ≤ {TOLERANCE})" if gap is not None else ""))
