#!/usr/bin/env python3
"""Drives the real rlhf binary as a user would. From the command line: -c,
scripts, piped standard input, exit statuses 0/1/2 and file:line errors. In
a pseudo-terminal:
Tab completes a command name, up-arrow recalls the previous line from the
history, history persists in the file, Ctrl-C at the prompt clears the line,
and Ctrl-C during a long pretrain returns to the prompt with the model
still usable. Saves: `--models DIR` then `load model NAME` finds DIR/NAME, and
a save over an existing model killed with SIGKILL at several moments leaves
at PATH one of the two models whole (byte for byte the old or the new one, and
loadable), while the hidden directories killed saves leave do not stop the
next save, which removes them. With the bundled models: every long command
(sample, label, score, eval rm, eval, bestofn, rs round) draws a progress bar,
stops at Ctrl-C with one line, gives the prompt back, and leaves no object, no
value and no changed model behind. Prints '4 passed, 0 failed' style results;
exits 1 on failure.

Usage: python3 repl_test.py PATH/TO/rlhf
"""

import filecmp
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

import pexpect

PROMPT = "rlhf> "


def check_engine(binary, work, env, check):
    """about names the CPU and OpenBLAS's kernel; a kernel narrower than the
    CPU's vectors (forced here with OPENBLAS_CORETYPE=Prescott, as OpenBLAS
    0.3.21 chooses by itself on an Intel Xeon of model 207) is flagged, in
    about and at start, with what to set."""
    # With the kernel left to the CPU's features (this test's environment may
    # force one, as OPENBLAS_CORETYPE=Haswell imitates an AVX2 machine).
    chosen = {k: v for k, v in env.items() if k != "OPENBLAS_CORETYPE"}
    p = subprocess.run([binary, "-c", "about"], cwd=work, env=chosen, capture_output=True, text=True, timeout=60)
    code, out, err = p.returncode, p.stdout, p.stderr
    check("about names the CPU, its vectors and the BLAS kernel, with no warning",
          code == 0 and "cpu " in out and "-bit" in out and "kernel " in out and "warning" not in out + err)
    if "512-bit;" in out or "256-bit;" in out:
        p = subprocess.run([binary, "-c", "about"], cwd=work, env=dict(env, OPENBLAS_CORETYPE="Prescott"),
                           capture_output=True, text=True, timeout=60)
        check("an SSE3 kernel on a wider CPU is flagged at start and by about",
              p.returncode == 0 and "warning: OpenBLAS runs its 128-bit Prescott kernels" in p.stderr
              and "OPENBLAS_CORETYPE=" in p.stdout and "set by OPENBLAS_CORETYPE" in p.stdout)


def main(binary):
    work = tempfile.mkdtemp(prefix="rlhf-pty-")
    history = os.path.join(work, "history")
    with open(os.path.join(work, "notes.txt"), "w") as f:
        f.write("Ada lives in Lune. Ada has a cat called Pip.\n\nBram lives in Oster.\n\n"
                "Cleo lives in Lune. Cleo is 34 years old.\n\n3 + 4 = 7. 5 + 2 = 7.\n")
    env = dict(os.environ, TERM="xterm", RLHF_HISTORY=history, NO_COLOR="1")
    results = []

    def check(name, condition):
        results.append((name, bool(condition)))
        print(("ok     " if condition else "FAILED ") + name, flush=True)

    def run(args, stdin=None):
        p = subprocess.run([binary] + args, cwd=work, env=env, input=stdin, capture_output=True, text=True, timeout=60)
        return p.returncode, p.stdout, p.stderr

    code, out, _ = run(["-c", "help"])
    check("rlhf -c help lists every command and exits 0", code == 0 and "generate" in out and "pretrain" in out)
    code, _, err = run([], stdin="generate\n")
    check("piped 'generate' fails with a caret and status 1",
          code == 1 and "<stdin>:1: generate" in err and "^ generate needs PROMPT" in err)
    with open(os.path.join(work, "script.rlhf"), "w") as f:
        f.write("echo one\nset seed 3\nnew model m layers=zero\necho never\n")
    code, out, err = run(["script.rlhf"])
    check("an error on line 3 is reported as script.rlhf:3: and stops the script",
          code == 1 and "script.rlhf:3: new model m layers=zero" in err and "never" not in out)
    code, out, err = run(["--keep-going", "script.rlhf"])
    check("--keep-going runs on and still exits 1", code == 1 and "never" in out)
    code, _, err = run(["--no-such-flag"])
    check("a wrong flag is a usage error with status 2", code == 2 and "no-such-flag" in err)
    code, out, _ = run(["-c", "echo a; echo 'b;c'"])
    check("-c runs several commands separated by ;", code == 0 and out == "a\nb;c\n")
    code, out, _ = run(["-c", "# a comment; echo hidden\necho a # b; c"])
    check("-c: a ; inside a # comment does not start a command", code == 0 and out == "a\n")
    check_model_folders(run, check)
    check_bare_binary(binary, work, env, check)
    check_killed_saves(binary, work, env, run, check)
    check_engine(binary, work, env, check)

    started = time.monotonic()
    child = pexpect.spawn(binary, cwd=work, env=env, encoding="utf-8", timeout=60, dimensions=(40, 160))
    child.expect_exact(PROMPT)
    check("the banner names the CPU and the BLAS kernel", "engine: " in child.before and "kernel " in child.before)
    print(f"REPL ready for input after {time.monotonic() - started:.3f} s", flush=True)

    # Tab completes a partial command name.
    # (the terminal only redraws the new part, so run the line to see it whole)
    child.send("gene\t")
    child.send("\r")
    completed = child.expect_exact(["generate needs PROMPT", pexpect.TIMEOUT], timeout=5) == 0
    check("Tab completes 'gene' to 'generate'", completed)
    child.expect_exact(PROMPT)
    child.send("echo never-run")
    child.send("\x03")  # Ctrl-C clears the line and gives a fresh prompt
    cleared = child.expect_exact([PROMPT, pexpect.TIMEOUT], timeout=5) == 0
    child.sendline("echo after-interrupt")
    child.expect_exact("after-interrupt")
    check("Ctrl-C at the prompt clears the line and keeps the session", cleared and "never-run" not in child.before)
    child.expect_exact(PROMPT)

    # Up-arrow recalls the previous line.
    child.sendline("echo first-line")
    child.expect_exact("first-line")
    child.expect_exact(PROMPT)
    child.send("\x1b[A")
    child.send("\r")
    recalled = child.expect_exact(["first-line", pexpect.TIMEOUT], timeout=5) == 0
    check("up-arrow recalls the previous line", recalled)
    child.expect_exact(PROMPT)

    # Ctrl-C during a long pretrain stops it at a step boundary.
    for line in ["load data notes notes.txt", "train tokenizer tok on notes vocab=280",
                 "new model m tokenizer=tok layers=2 heads=2 width=32 context=16 seed=1"]:
        child.sendline(line)
        child.expect_exact(PROMPT)
    child.sendline("pretrain m on notes steps=1000000 batch=4 context=16 eval_every=0")
    time.sleep(2)
    child.send("\x03")
    stopped = child.expect(["stopped after (\\d+) of 1000000 steps", pexpect.TIMEOUT], timeout=20) == 0
    child.expect_exact(PROMPT)
    child.sendline('generate m "Ada" max_tokens=3 seed=1')
    usable = child.expect(["log p", pexpect.TIMEOUT], timeout=20) == 0
    child.expect_exact(PROMPT)
    check("Ctrl-C stops pretrain and the model is still usable", stopped and usable)

    child.sendline("quit")
    child.expect(pexpect.EOF)
    with open(history, encoding="utf-8", errors="replace") as f:
        saved = f.read()
    check("history is kept in RLHF_HISTORY", "first-line" in saved and "_HiStOrY_V2_" in saved)

    long_commands(binary, work, env, check)
    check_lesson(binary, work, env, check)

    # Ctrl-D ends the session.
    child = pexpect.spawn(binary, cwd=work, env=env, encoding="utf-8", timeout=20)
    child.expect_exact(PROMPT)
    child.sendeof()
    child.expect(pexpect.EOF)
    child.close()
    check("Ctrl-D ends the session with status 0", child.exitstatus == 0)

    failed = sum(1 for _, ok in results if not ok)
    print(f"{len(results) - failed} passed, {failed} failed")
    return 1 if failed else 0


def check_lesson(binary, work, env, check):
    """A lesson walked at the terminal: Enter runs the shown command, a command
    of the learner's own runs and the lesson waits, a wrong answer to the turn
    is "not yet", and a new session resumes where the learner stopped."""
    home = tempfile.mkdtemp(prefix="rlhf-lessons-")
    os.makedirs(os.path.join(home, "lessons"))
    fixture = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "ShellTests", "Transcripts", "lessons", "01-demo.lesson")
    shutil.copy(fixture, os.path.join(home, "lessons"))
    lesson_env = dict(env, RLHF_HOME=home)
    child = pexpect.spawn(binary, cwd=work, env=lesson_env, encoding="utf-8", timeout=30)
    child.expect_exact(PROMPT)
    child.sendline("lesson 1")
    shown = child.expect_exact(["next: gold", pexpect.TIMEOUT], timeout=10) == 0
    prompted = child.expect_exact(["lesson 1 · 1/2> ", pexpect.TIMEOUT], timeout=10) == 0
    check("lesson 1 shows its first command and the prompt says where the learner is", shown and prompted)
    child.sendline("echo my-own-command")
    own = child.expect_exact(["my-own-command", pexpect.TIMEOUT], timeout=10) == 0
    waits = child.expect_exact(["Enter runs", pexpect.TIMEOUT], timeout=10) == 0
    child.expect_exact("lesson 1 · 1/2> ")
    check("a command of the learner's own runs and the lesson waits", own and waits)
    child.sendline("")
    ran = child.expect_exact(["helpfulness  +1.80", pexpect.TIMEOUT], timeout=10) == 0
    turn = child.expect_exact(["your turn", pexpect.TIMEOUT], timeout=10) == 0
    child.expect_exact("lesson 1 · 2/2> ")
    check("Enter runs the shown command and the lesson goes on to the turn", ran and turn)
    child.sendline('gold "What is 1 + 9?" "1 + 9 = 10."')
    wrong = child.expect_exact(["not yet", pexpect.TIMEOUT], timeout=10) == 0
    child.expect_exact("lesson 1 · 2/2> ")
    check("a wrong answer to the turn is not yet", wrong)
    child.sendline("quit")
    child.expect(pexpect.EOF)
    check("quit in a lesson ends the session without a reminder of the next step", "Enter runs" not in child.before)
    child = pexpect.spawn(binary, cwd=work, env=lesson_env, encoding="utf-8", timeout=30)
    child.expect_exact(PROMPT)
    child.sendline("lesson")
    resumed = child.expect_exact(["resuming lesson 1", pexpect.TIMEOUT], timeout=10) == 0
    child.expect_exact("lesson 1 · 2/2> ")
    child.sendline('gold "What is 1 + 9?" "1 + 9 = 11."')
    right = child.expect_exact(["✓ A wrong sum", pexpect.TIMEOUT], timeout=10) == 0
    done = child.expect_exact(["lesson 1 done", pexpect.TIMEOUT], timeout=10) == 0
    child.expect_exact(PROMPT)
    child.sendline("quit")
    child.expect(pexpect.EOF)
    with open(os.path.join(home, "lesson-progress")) as f:
        progress = f.read()
    check("a new session resumes the lesson, the right answer ends it, and progress is kept",
          resumed and right and done and progress.startswith("1 "))


def check_model_folders(run, check):
    """--models DIR: its models load at the start and `load model NAME` finds them."""
    code, _, err = run(["-c", "new model tiny vocab=300 layers=1 heads=2 width=32 context=16 seed=1; "
                              "save model tiny folder/tiny"])
    check("a model saved for the --models test", code == 0)
    code, out, err = run(["--models", "folder", "-c", "show; load model tiny"])
    check("rlhf --models DIR -c 'load model NAME' loads DIR/NAME",
          code == 0 and "tiny" in out and "tiny: loaded 22.9k parameters from folder/tiny" in out)
    code, _, err = run(["-c", "load model tiny"])
    check("without --models the same load model NAME is refused", code == 1 and "no bundled model 'tiny'" in err)
    code, out, err = run(["-c", "load model sft; load data demos datasets/sft.jsonl; lesson list"])
    check("started in another folder, the binary finds the bundled model, datasets and lessons beside its installation",
          code == 0 and "sft: loaded" in out and "demos: 1625 prompt/completion records" in out and "lessons (" in out)
    code, out, err = run(["-c", 'score rm_helpful "What is 1 + 9?" "1 + 9 = 10."'])
    check("a command naming a bundled model not loaded yet loads it and says so",
          code == 0 and "rm_helpful: loaded 1.4M parameters from" in out and "(bundled; loaded because the command names it)" in out)


def check_bare_binary(binary, work, env, check):
    """A copy of the binary far from the repository, without RLHF_HOME, says where it looked."""
    bare = os.path.join(work, "bare")
    os.makedirs(bare, exist_ok=True)
    shutil.copy(binary, os.path.join(bare, "rlhf"))
    env = {k: v for k, v in env.items() if k != "RLHF_HOME"}
    p = subprocess.run([os.path.join(bare, "rlhf"), "-c", 'generate sft "What is 1 + 9?"'], cwd=bare, env=env,
                       capture_output=True, text=True, timeout=60)
    check("a bare binary away from the repository names the folders it looked in for the bundled models",
          p.returncode == 1 and "no model 'sft'" in p.stderr and "no bundled models in" in p.stderr
          and os.path.join(bare, "models") in p.stderr and "RLHF_HOME" in p.stderr)


# Two models of different shapes; A has a tokenizer and B none, so a mix of
# their files would not even load, and each directory is compared byte for byte.
KILL_MODELS = {
    "A": ["load data notes notes.txt", "train tokenizer tok on notes vocab=280",
          "new model A tokenizer=tok layers=8 heads=8 width=512 context=64 seed=1"],
    "B": ["new model B vocab=300 layers=6 heads=8 width=768 context=64 seed=2"],
}


def directory_is(path, reference):
    """Whether directory `path` holds exactly the files of `reference`, byte for byte."""
    names = sorted(os.listdir(path))
    return names == sorted(os.listdir(reference)) and all(
        filecmp.cmp(os.path.join(path, n), os.path.join(reference, n), shallow=False) for n in names)


def reap(child, seconds=60):
    """Wait for a SIGKILLed child to be gone, then close it. A process killed inside
    fsync or a large write may take a while to exit (on a loaded host, longer than
    the second pexpect's own close allows)."""
    deadline = time.monotonic() + seconds
    while child.isalive() and time.monotonic() < deadline:
        time.sleep(0.05)
    child.close(force=True)


def check_killed_saves(binary, work, env, run, check):
    """SIGKILL `save model N saves/m force=true` over the other model at several
    moments of the save; saves/m must then be A or B whole, and load."""
    refs, target = os.path.join(work, "refs"), os.path.join(work, "saves", "m")
    leftovers = lambda: [n for n in os.listdir(os.path.dirname(target)) if n.startswith(".m.rlhf-save-")]

    def session(name):
        child = pexpect.spawn(binary, cwd=work, env=env, encoding="utf-8", timeout=60)
        child.expect_exact(PROMPT)
        for line in KILL_MODELS[name]:
            child.sendline(line)
            child.expect_exact(PROMPT)
        return child

    # The references, and how long each save takes on this machine.
    seconds, sizes = {}, {}
    for name in "AB":
        child = session(name)
        child.sendline(f"info {name}")
        child.expect(r"parameters\s+(\S+) \(")
        sizes[name] = child.match.group(1)
        child.expect_exact(PROMPT)
        started = time.monotonic()
        child.sendline(f"save model {name} refs/{name}")
        child.expect_exact(PROMPT)
        seconds[name] = time.monotonic() - started
        child.sendline("quit")
        child.expect(pexpect.EOF)
    print(f"saving A ({sizes['A']} parameters) takes {seconds['A']:.3f} s, B ({sizes['B']}) {seconds['B']:.3f} s",
          flush=True)
    code, _, _ = run(["-c", "load data notes notes.txt; train tokenizer tok on notes vocab=280; "
                            "new model A tokenizer=tok layers=8 heads=8 width=512 context=64 seed=1; "
                            "save model A saves/m"])
    check("the model that killed saves replace is saved", code == 0 and directory_is(target, os.path.join(refs, "A")))

    outcomes, torn, mid_save = [], [], 0
    for fraction in [0.0, 0.1, 0.2, 0.35, 0.5, 0.65, 0.8, 0.95, 1.1, 1.5]:
        old = "A" if directory_is(target, os.path.join(refs, "A")) else "B"
        new = "B" if old == "A" else "A"
        child = session(new)
        child.sendline(f"save model {new} saves/m force=true")
        time.sleep(fraction * seconds[new])
        child.kill(signal.SIGKILL)
        reap(child)
        mid_save += bool(leftovers())
        found = [n for n in "AB" if directory_is(target, os.path.join(refs, n))]
        code, out, err = run(["-c", "load model x saves/m"])
        loads = code == 0 and f"x: loaded {sizes[found[0]] if found else '?'} parameters" in out
        loads = loads and (("no tokenizer found" in out) == (found == ["B"]))
        outcomes.append(f"{fraction}:{old}->{found[0] if found else '?'}{'' if loads else '(does not load)'}")
        if len(found) != 1 or not loads:
            torn.append(f"at {fraction} of the save: {sorted(os.listdir(target))} {err.strip()}")
    print("killed saves (fraction of the save: before -> after): " + ", ".join(outcomes), flush=True)
    check("a save killed with SIGKILL leaves the old or the new model whole, and it loads" + "".join(
        "\n       " + t for t in torn), not torn)
    check(f"some kills landed mid-save (a hidden directory was left: {mid_save} of {len(outcomes)})", mid_save > 0)
    code, _, err = run(["-c", "new model B vocab=300 layers=6 heads=8 width=768 context=64 seed=2; "
                              "save model B saves/m force=true"])
    check("the next save succeeds and removes what killed saves left",
          code == 0 and directory_is(target, os.path.join(refs, "B")) and not leftovers())
    shutil.rmtree(refs)
    shutil.rmtree(os.path.dirname(target))
# The bar as NO_COLOR draws it: [####................]
BAR = re.compile(r"\[[#.]{20}\]")


def long_commands(binary, work, env, check):
    """Ctrl-C during each long command, in a session with the bundled models."""
    started = time.monotonic()
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    child = pexpect.spawn(binary, ["--models", os.path.join(root, "models")], cwd=work, env=env, encoding="utf-8",
                          timeout=60, dimensions=(40, 160))
    child.expect_exact(PROMPT)

    def line(text):
        child.sendline(text)
        child.expect_exact(PROMPT)
        return child.before

    def interrupt(text, stop, after=1.5):
        """Runs `text`, presses Ctrl-C after `after` s; whether `stop` was said, a bar drawn, and the prompt came back."""
        child.sendline(text)
        time.sleep(after)
        child.send("\x03")
        stopped = child.expect([stop + r" \(Ctrl-C\); the session is as it was", pexpect.TIMEOUT], timeout=30) == 0
        drawn = BAR.search(child.before) is not None
        said = child.before + (child.after if stopped else "")
        back = child.expect_exact([PROMPT, pexpect.TIMEOUT], timeout=10) == 0
        if not (stopped and drawn and back):
            print(f"  {text}: stopped {stopped}, bar {drawn}, prompt {back}; it said: {said[-300:]!r}")
        return stopped and drawn and back

    def has_value(prefix):
        """Whether show values lists a value whose name starts with `prefix`."""
        return re.search(r"^\s+" + re.escape(prefix), line("show values"), re.M) is not None

    line(f"load data prompts {root}/datasets/prompts_train.jsonl")
    greedy = 'generate sft "What is 13 + 29?" temperature=0 max_tokens=12'
    answer = line(greedy)

    ok = interrupt("sample big from prompts model=sft k=64", r"stopped after \d+ of 154176 responses")
    check("Ctrl-C stops sample: a bar, one line, the prompt, and no sample set", ok and " big " not in line("show"))

    line("sample s from prompts model=sft k=16 n=300 temperature=3 max_tokens=6")
    ok = interrupt("label s as pairs per_prompt=100", r"stopped after \d+ of 300 prompts")
    check("Ctrl-C stops label and makes no dataset", ok and "s.pairs" not in line("show"))

    line("label s as pairs per_prompt=10")
    line("train rm r on s.pairs steps=1 eval_every=0")
    ok = interrupt("score r s", r"stopped after \d+ of 4800 responses while scoring")
    check("Ctrl-C stops score on a sample set and sets no value", ok and not has_value("score."))

    ok = interrupt("eval rm r on s.pairs", r"stopped after \d+ of 5400 responses while scoring")
    check("Ctrl-C stops eval rm and sets no value", ok and not has_value("rm_eval."))

    ok = interrupt("eval sft against base on=prompts", r"stopped after \d+ of 2409 responses while (answering as \w+|measuring KL, [a-z -]+)")
    check("Ctrl-C stops eval and sets no value", ok and not has_value("eval."))

    line("reward oracle gold")
    ok = interrupt("bestofn sft on=prompts reward=oracle n=64", r"stopped after \d+ of 154176 responses while sampling")
    check("Ctrl-C stops bestofn and sets no value", ok and not has_value("bestofn."))

    ok = interrupt("rs round sft on prompts reward=oracle k=64",
                   r"stopped after \d+ of (662|154176) responses while (evaluating on held-out prompts|sampling)")
    check("Ctrl-C stops rs round before finetuning: no value, sft unchanged",
          ok and not has_value("rs.") and line(greedy) == answer)

    child.sendline("quit")
    child.expect(pexpect.EOF)
    print(f"long commands stopped in {time.monotonic() - started:.1f} s", flush=True)


if __name__ == "__main__":
    sys.exit(main(os.path.abspath(sys.argv[1])))
