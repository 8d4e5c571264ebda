"""Two commits measured alternately in one run: each round runs a benchmark script from the old tree, then from
the new one, so the machine's drift falls on both alike (never run by the tests).

    python benchmarks/old_vs_new.py --old ff77ebe --rounds 3 seed_run.py
    python benchmarks/old_vs_new.py --old ff77ebe --rounds 3 sweep.py --sizes 1 64 256

Each side runs its own copy of the script against its own ``src`` (a temporary git worktree of ``--old``; the
working tree for the new side). Prints every figure the scripts print that ends in seconds, per round, and the
median ratio new / old per figure.
"""

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIGURE = re.compile(r"([^,:;(]*?)([0-9]+\.[0-9]+) s(?:/model)?\b([^,;:(]*)")  # words before, seconds, words after


def measure(tree: Path, script: str, args: list[str]) -> dict[str, float]:
    env = {**os.environ, "PYTHONPATH": str(tree / "src")}
    done = subprocess.run([sys.executable, str(tree / "benchmarks" / script), *args], cwd=tree / "benchmarks",
                          env=env, capture_output=True, text=True, check=True)
    figures = {}
    for line in done.stdout.splitlines():
        label, _, rest = line.partition(":")
        for before, value, after in FIGURE.findall(rest):
            figures[" ".join(f"{label}: {before} [s] {after}".split())[:100]] = float(value)
    return figures


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--old", required=True, help="the commit to compare with (the new side is the work tree)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("script")
    parser.add_argument("args", nargs=argparse.REMAINDER)
    a = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        old = Path(tmp) / "old"
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", str(old), a.old], check=True,
                       capture_output=True)
        try:
            ratios = {}
            for r in range(a.rounds):
                before, after = measure(old, a.script, a.args), measure(ROOT, a.script, a.args)
                for key in before.keys() & after.keys():
                    ratios.setdefault(key, []).append(after[key] / before[key])
                    print(f"round {r + 1}: {key}: old {before[key]:.3f} s, new {after[key]:.3f} s", flush=True)
        finally:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(old)], check=True)
    for key, values in sorted(ratios.items()):
        print(f"{key}: new / old = {statistics.median(values):.3f} (median of {len(values)}; "
              + ", ".join(f"{v:.3f}" for v in values) + ")")


if __name__ == "__main__":
    main()
