"""The page as a notebook widget, in a real JupyterLab (started here on loopback with its own token and a temporary
root, stopped at the end) driven by headless Chromium: the widget draws the surface and the path's models arrive
from the kernel; the λ slider moved in the page is what the kernel's ``w.selected`` reports; controls set from
Python retrain and the page shows them."""

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

import pytest

CELLS = ["import reglab\nw = reglab.explore('moons', epochs=300, width=16)\nw",
         "print(w.selected.config.kernel_regularizer)",
         "w.controls = {'regularizer': 'l2', 'strength': 0.01}"]
IN_PAGE = "() => { const f = window.reglab; return f && f.state.scene && f.state.models.filter(Boolean).length; }"


@pytest.fixture
def lab(tmp_path):
    """JupyterLab on a free loopback port, serving ``tmp_path`` (a notebook of CELLS in it); (url, token)."""
    notebook = {"cells": [{"cell_type": "code", "source": c, "metadata": {}, "outputs": [], "execution_count": None}
                          for c in CELLS],
                "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
                "nbformat": 4, "nbformat_minor": 5}
    (tmp_path / "w.ipynb").write_text(json.dumps(notebook))
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    token = os.urandom(16).hex()
    runtime = tempfile.mkdtemp(prefix="jr-")  # short: the kernel's Unix sockets live here (at most 107 characters)
    env = {**os.environ, **{f"JUPYTER_{k}_DIR": str(tmp_path / f".{k.lower()}") for k in ("CONFIG", "DATA")},
           "JUPYTER_RUNTIME_DIR": runtime}
    log = open(tmp_path / "lab.log", "w")
    server = subprocess.Popen([sys.executable, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
                               f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={tmp_path}",
                               "--LabApp.news_url=", "--allow-root",  # CI runs as root
                               # a kernel's ports over Unix sockets: TCP ports chosen by two kernels starting at once
                               # (another test's) can cross, and a cell's request then never reaches this kernel
                               "--KernelManager.transport=ipc"],
                              env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):
            try:
                urllib.request.urlopen(f"{url}/api/status?token={token}", timeout=1)
                break
            except OSError:
                assert server.poll() is None, (tmp_path / "lab.log").read_text()[-2000:]
                time.sleep(0.1)
        yield url, token
    finally:
        server.terminate()
        server.wait(30)
        log.close()
        shutil.rmtree(runtime, ignore_errors=True)


def run_cell(page, i):
    """Run cell ``i`` as a person does (click it, Shift+Enter), again until its prompt shows it ran or runs
    (``[*]:`` or a new ``[n]:``): a keystroke before the notebook is ready is lost, and a prompt that changes
    from nothing to ``[ ]:`` is the notebook still drawing itself."""
    cell = page.locator(".jp-Cell").nth(i)
    before = cell.locator(".jp-InputPrompt").inner_text()
    for _ in range(20):
        cell.locator(".jp-InputArea-editor").click()
        page.keyboard.press("Shift+Enter")
        end = time.time() + 5
        while time.time() < end:
            prompt = cell.locator(".jp-InputPrompt").inner_text()
            if prompt != before and re.fullmatch(r"\[(\*|\d+)\]:", prompt.strip()):
                return
            time.sleep(0.1)
    raise AssertionError(f"cell {i} did not run: its prompt stayed {before!r}")


def output(page, i, wanted, timeout=120):
    """The text of cell ``i``'s output once it holds ``wanted``."""
    area = page.locator(".jp-Cell").nth(i).locator(".jp-OutputArea-output")
    end = time.time() + timeout
    while time.time() < end:
        text = area.all_inner_texts()
        if any(wanted in t for t in text):
            return "\n".join(text)
        time.sleep(0.2)
    raise AssertionError(f"cell {i}: {area.all_inner_texts()}")


def widget_page(page, timeout=300):
    """The widget's page (its iframe) once its script runs (a first kernel imports JAX and compiles)."""
    end = time.time() + timeout
    while time.time() < end:
        for frame in page.frames:
            try:
                if frame.evaluate("() => !!window.reglab"):
                    return frame
            except Exception:  # noqa: BLE001  (a frame still loading)
                pass
        time.sleep(0.2)
    cell = page.locator(".jp-Cell").first
    shown, prompt = cell.locator(".jp-OutputArea").all_inner_texts(), cell.locator(".jp-InputPrompt").inner_text()
    raise AssertionError(f"the widget's page did not start; the cell's prompt reads {prompt!r}, it shows {shown}")


def test_the_widget_trains_in_the_kernel_and_the_kernel_reads_its_sliders_and_sets_its_controls(lab, page):
    url, token = lab
    page.goto(f"{url}/lab/tree/w.ipynb?token={token}")
    page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=120_000)
    run_cell(page, 0)
    frame = widget_page(page)
    frame.wait_for_function(f"() => ({IN_PAGE})() >= 13", timeout=180_000)  # the whole path, one seed
    scene = frame.evaluate("window.reglab.state.scene")
    assert scene["controls"]["epochs"] == 300 and scene["controls"]["width"] == 16 and len(scene["strengths"]) == 13
    assert frame.evaluate("document.getElementById('surface').toDataURL().length") > 5_000  # the surface is drawn

    run_cell(page, 1)
    assert output(page, 1, "l1(").strip() == "l1(0.001)"  # the path's middle, where the λ slider starts
    frame.locator("#lambda").fill("0")
    frame.locator("#lambda").dispatch_event("input")
    time.sleep(1)  # the slider's position travels to the kernel as the widget's state
    run_cell(page, 1)
    assert output(page, 1, f"l1({scene['strengths'][0]:g})").strip() == f"l1({scene['strengths'][0]:g})"

    run_cell(page, 2)
    frame.wait_for_function("() => window.reglab.state.scene.controls.regularizer === 'l2' && "
                            "window.reglab.state.models.filter(Boolean).length >= 1", timeout=180_000)
    assert frame.locator("#c-regularizer").input_value() == "l2"
    assert frame.evaluate("window.reglab.state.scene.controls.strength") == 0.01


def test_the_widget_trains_a_users_own_arrays_and_answers_a_bad_request_with_one_line():
    """Without a front end: the messages the page would send, answered as the page would be (no browser here)."""
    import numpy as np
    from sklearn.datasets import make_classification

    import reglab

    X, y = make_classification(120, n_features=5, random_state=0)
    w = reglab.explore((X, y), epochs=20, width=8, layers=1)
    sent = []
    w.send = lambda message, buffers=None: sent.append(message)  # the comm to the page
    w._heard(None, {"reglab": "controls"}, [])
    assert sent[-1]["table"]["own"] == "arrays" and sent[-1]["table"]["current"] == w.controls
    w._heard(None, {"reglab": "train", "body": {"controls": w.controls}}, [])
    end = time.time() + 120
    while not any(m.get("message", {}).get("type") == "done" for m in sent) and time.time() < end:
        time.sleep(0.05)
    kinds = [m["message"]["type"] for m in sent[1:]]
    assert kinds[0] == "scene" and kinds.count("model") == 13 and kinds[-1] == "done"
    assert [run.params[0]["kernel"].shape for run in w.runs] == [(5, 8)] * 13  # the user's 5 inputs
    w.view = {"lam": 0, "seed": 0, "epoch": -1}
    assert w.selected is w.runs[0] and w.selected.config.kernel_regularizer == reglab.l1(sent[1]["message"][
        "strengths"][0])
    assert np.isfinite(w.selected.final["data_loss"])
    w._heard(None, {"reglab": "train", "body": {"controls": {**w.controls, "epochs": 0}}}, [])
    assert sent[-1]["message"] == {"type": "error", "message": "epochs: got 0; allowed: an integer in [1, 100,000]"}
    with pytest.raises(reglab.ReglabError, match=r"^data: got 'int'; allowed: a data-set name"):
        reglab.explore(3)
