"""``reglab.explore(...)`` as a notebook's widget, timed in JupyterLab through Playwright and Debian's Chromium: the
seconds from running the cell to the whole 13-model path, and the λ slider's moves, each from its input event to
the next painted frame (``requestAnimationFrame``), over every strength of the path a few times. Starts JupyterLab
on loopback in a temporary folder (its own token) and stops it at the end.

    python benchmarks/widget.py [--rounds 4] [--epochs 2000]
"""

import argparse
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import sync_playwright

CHROMIUM = "/usr/lib/chromium/chromium"
SCRUB = """async (rounds) => {
  const out = [], slider = document.getElementById("lambda"), n = Number(slider.max) + 1;
  for (let round = 0; round < rounds; round++) for (let k = 0; k < n; k++) {
    const began = performance.now();
    slider.value = k;
    slider.dispatchEvent(new Event("input"));
    await new Promise((painted) => requestAnimationFrame(() => painted()));
    out.push(performance.now() - began);
  }
  return out;
}"""


def lab(folder):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    token = os.urandom(16).hex()
    env = {**os.environ, **{f"JUPYTER_{k}_DIR": str(folder / f".{k.lower()}") for k in ("CONFIG", "DATA", "RUNTIME")}}
    server = subprocess.Popen([sys.executable, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
                               f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={folder}",
                               "--LabApp.news_url=", "--allow-root"], env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    for _ in range(600):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/status?token={token}", timeout=1)
            return server, f"http://127.0.0.1:{port}/lab/tree/w.ipynb?token={token}"
        except OSError:
            time.sleep(0.1)
    raise SystemExit("JupyterLab did not start")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--epochs", type=int, default=2000)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="reglab-widget-"))
    cell = f"import reglab\nw = reglab.explore('moons', epochs={args.epochs})\nw"
    (folder / "w.ipynb").write_text(json.dumps({
        "cells": [{"cell_type": "code", "source": cell, "metadata": {}, "outputs": [], "execution_count": None}],
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
        "nbformat": 4, "nbformat_minor": 5}))
    server, url = lab(folder)
    try:
        with sync_playwright() as p:
            page = p.chromium.launch(executable_path=CHROMIUM).new_page(viewport={"width": 1400, "height": 1000})
            page.goto(url)
            page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=120_000)
            prompt = page.locator(".jp-Cell .jp-InputPrompt").first
            # a keystroke before the notebook is ready is lost, and an empty prompt is one still drawn: again
            while not re.fullmatch(r"\[(\*|\d+)\]:", prompt.inner_text().strip()):
                page.locator(".jp-Cell .jp-InputArea-editor").first.click()
                page.keyboard.press("Shift+Enter")
                time.sleep(1)
            began = time.perf_counter()
            frame = None
            while frame is None:
                frame = next((f for f in page.frames if f.url == "about:srcdoc"), None)
                time.sleep(0.1)
            frame.wait_for_function("() => window.reglab && window.reglab.state.models.filter(Boolean).length >= 13",
                                    timeout=600_000)
            print(f"cell run -> whole 13-model path in the widget: {time.perf_counter() - began:.1f} s "
                  f"({args.epochs} epochs)")
            moves = frame.evaluate(SCRUB, args.rounds)
            ranked = sorted(moves)
            print(f"λ slider, input to the next painted frame over {len(moves)} moves: median "
                  f"{statistics.median(moves):.1f} ms, p90 {ranked[int(0.9 * len(ranked))]:.1f} ms, max "
                  f"{ranked[-1]:.1f} ms")
    finally:
        server.terminate()
        server.wait(30)


if __name__ == "__main__":
    main()
