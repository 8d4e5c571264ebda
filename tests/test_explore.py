"""``reglab explore`` as a person uses it: the page in headless Chromium (Playwright), served by uvicorn, training
through the real engine. The figures it shows are checked against ``reglab.fit``."""

import json
import re
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import reglab
from reglab import data
from reglab.studies import spec
from reglab.vocabulary import kinds
from reglab.vocabulary.config import MAX_EPOCHS, ModelConfig

CURRENT = """() => { const s = window.reglab.state;
  return s.scene && s.models.find(m => m && m.seed === 0 && m.strength === s.scene.strengths[s.lam]) || null; }"""
EXPECTED = Path(__file__).parent / "expected"


def open_page(page, url, hash_="", everything=True):
    """Open the page and wait for the model under the λ slider (and, with ``everything``, the whole path)."""
    page.goto(url + hash_)
    page.wait_for_function(f"({CURRENT})() !== null", timeout=120_000)
    if everything:
        page.wait_for_function("window.reglab.timings.lastModel !== null", timeout=120_000)
    return page.evaluate(f"({CURRENT})()")


def set_control(page, name, value):
    """Change a control as a person does, then wait for the server's answer (the scene of the new request)."""
    locator = page.locator(f"#c-{name}")
    if locator.evaluate("e => e.tagName") == "SELECT":
        locator.select_option(str(value))
    else:
        locator.fill(str(value))
        locator.dispatch_event("change")


def test_the_page_draws_the_lectures_study_and_its_figures_equal_reglab_fit(page, explore_url):
    shown = open_page(page, explore_url)
    assert page.evaluate("window.reglab.state.scene.strengths[window.reglab.state.lam]") == 0.001
    run = reglab.fit(data.split(data.moons()), hidden=(128, 128), learning_rate=0.01, epochs=2000,
                     kernel_regularizer=reglab.l1(0.001))
    for key in ("data_loss", "val_data_loss", "penalty", "accuracy", "val_accuracy"):
        assert shown["final"][key] == pytest.approx(run.final[key], rel=1e-6), key
    assert shown["final"]["zeros"] == run.kernel_fractions()["zeros"]
    from reglab.results import boundary

    assert shown["final"]["boundary_length"] == pytest.approx(boundary.measure(run, boundary.SEED_WINDOW)[
        "boundary_length"], rel=1e-6)
    assert page.locator("#r-val_accuracy").text_content() == f"0.95 ({round(run.final['val_accuracy'] * 20)} of 20)"
    assert page.locator("#r-val_data_loss").text_content() == f"{run.final['val_data_loss']:.4g}"
    assert page.locator("#r-architecture").text_content() == "2 → 128 → 128 → 1"
    assert "13 models trained" in page.locator("#status").text_content()


def test_sliders_redraw_from_the_page_alone(page, explore_url):
    open_page(page, explore_url, "#epochs=300&width=32")
    asked = []
    page.on("request", lambda request: asked.append(request.url))
    pictures = []
    for lam in (0, 6, 12):
        page.locator("#lambda").fill(str(lam))
        pictures.append(page.evaluate("document.getElementById('surface').toDataURL()"))
        shown = page.evaluate(f"({CURRENT})()")
        assert page.locator("#r-name").text_content() == shown["name"]
    assert len(set(pictures)) == 3  # each strength draws its own surface
    page.locator("#epoch").fill("0")
    assert page.locator("#r-epoch").text_content() == "19"  # 300 epochs in 16 snapshots: every 19 epochs
    early = page.evaluate("document.getElementById('surface').toDataURL()")
    assert early != pictures[-1]
    assert asked == []  # nothing was asked of the server
    assert len(page.evaluate("window.reglab.timings.redraws")) == 4


CONTROL_VALUES = [("data", "circles"), ("noise", "0.15"), ("n", "60"), ("validation_split", "0.25"),
                  ("standardize", "on"), ("layers", "1"), ("width", "8"), ("activation", "tanh"), ("optimizer", "sgd"),
                  ("learning_rate", "0.05"),
                  ("batch_size", "16"), ("epochs", "25"), ("strength", "0.01"), ("seeds", "2"),
                  *[("regularizer", kind) for kind in kinds.names()], ("regularizer", "elastic_net"),
                  ("l1_ratio", "0.25"),
                  ("data", "iris")]


def test_every_control_reaches_the_server_and_every_regularizer_trains(page, explore_url):
    from playwright.sync_api import TimeoutError as Timeout

    open_page(page, explore_url, "#epochs=20&width=8&layers=1", everything=False)
    for name, value in CONTROL_VALUES:
        set_control(page, name, value)
        wanted = value if name in ("data", "standardize", "activation", "optimizer", "regularizer") else float(value)
        try:  # its scene, then its first model (one change at a time: no pile of programs compiling at once)
            page.wait_for_function(f"""() => {{ const s = window.reglab.state.scene;
                return s && s.controls[{name!r}] == {json.dumps(wanted)}; }}""", timeout=120_000)
            page.wait_for_function(f"({CURRENT})() !== null", timeout=120_000)
        except Timeout:
            raise AssertionError(f"{name} = {value}: {page.locator('#status').text_content()}") from None
    scene = page.evaluate("window.reglab.state.scene")
    assert scene["n_inputs"] == 4 and scene["axes"] == ["PC 1", "PC 2"] and len(scene["classes"]) == 3
    assert len(scene["models"]) == 2 * len(scene["strengths"])  # two seeds
    assert page.locator("#c-noise").is_disabled()  # a bundled set has no noise
    assert scene["controls"]["l1_ratio"] == 0.25 and scene["controls"]["regularizer"] == "elastic_net"
    set_control(page, "regularizer", "l2")
    assert page.locator("#c-l1_ratio").is_disabled()  # only elastic net reads it
    page.wait_for_function(f"({CURRENT})() !== null", timeout=60_000)
    assert "iris: 150 samples, 4 inputs, 3 classes" in page.locator("#data-line").text_content()


def test_a_csv_upload_trains_and_a_bad_one_shows_its_message_while_the_server_keeps_serving(page, explore_url,
                                                                                         tmp_path):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 3))
    good = tmp_path / "survey.csv"
    good.write_text("a,b,c,label\n" + "".join(f"{a:.3f},{b:.3f},{c:.3f},{'yes' if a + b > 0 else 'no'}\n"
                                              for a, b, c in X))
    bad = tmp_path / "bad.csv"
    bad.write_text("a,label\n1,yes\n2,yes\n")
    open_page(page, explore_url, "#epochs=20&width=8", everything=False)
    page.locator("#csv-file").set_input_files(str(bad))
    page.wait_for_function("document.getElementById('status').className === 'error'")
    assert page.locator("#status").text_content() == ("bad.csv column 'label': got \"only class 'yes'\"; allowed: at "
                                                      "least two classes")
    page.locator("#csv-file").set_input_files(str(good))
    page.wait_for_function("() => { const s = window.reglab.state.scene; return s && s.n_inputs === 3; }")
    page.wait_for_function(f"({CURRENT})() !== null", timeout=60_000)
    scene = page.evaluate("window.reglab.state.scene")
    assert scene["classes"] == ["no", "yes"] and scene["axes"] == ["PC 1", "PC 2"]
    assert page.locator("#status").get_attribute("class") == ""


def _post(url, body: bytes):
    request = urllib.request.Request(url + "api/train", data=body, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=60) as answer:
            return answer.status, answer.read()
    except urllib.error.HTTPError as err:
        return err.code, err.read()


@pytest.mark.parametrize("body, says", [
    (b"{not json", r"^request: got '\{not json'; allowed: JSON"),
    (b'{"controls": {"epochs": -3}}', r"^epochs: got -3; allowed: an integer in \[1, 100,000\]$"),
    (b'{"controls": {"colour": 1}}', r"^colour: got 1; allowed: a control: data, "),
    (b'{"controls": {"epochs": 20000, "seeds": 5}}', r"^request: got '.*model-epoch-sample-weights'; allowed: at most"),
    (b'{"controls": {"data": "csv"}}', r"^csv: got 'NoneType'; allowed: an uploaded CSV file"),
    (b'[1, 2]', r"^request: got '\[1, 2\]'; allowed: a JSON object"),
    (b'{"controls": {"data": "csv"}, "csv": {"text": "' + b"x" * 2_100_000 + b'"}}', r"^request: got"),
])
def test_bad_requests_are_400_with_one_line_and_the_server_keeps_serving(explore_url, body, says):
    status, answer = _post(explore_url, body)
    message = json.loads(answer)["error"]
    assert status == 400 and re.search(says, message) and "\n" not in message
    status, answer = _post(explore_url, b'{"controls": {"epochs": 2, "width": 4}}')
    assert status == 200 and json.loads(answer.splitlines()[-1])["type"] == "done"


def test_an_over_budget_change_shows_the_budget_in_the_page(page, explore_url):
    # a cheap start (no hidden layer), then one change over the budget: 13 models x 2000 epochs x 80 rows x six
    # layers of 512 (about 1.3 million weights); no heavy request accepted on the way to keep the server busy
    open_page(page, explore_url, "#width=512&layers=0", everything=False)
    set_control(page, "layers", "6")
    page.wait_for_function("document.getElementById('status').className === 'error'")
    assert "allowed: at most 2.9e+11" in page.locator("#status").text_content()


def test_the_exports_reproduce_the_model(page, explore_url, tmp_path):
    shown = open_page(page, explore_url, "#epochs=150&width=16&strength=0.01", everything=False)
    texts = {}
    for kind in ("python", "toml", "keras"):
        page.locator(f"#export-{kind}").click()
        texts[kind] = page.locator("#export-text").text_content()
    (tmp_path / "snippet.py").write_text(texts["python"])
    done = subprocess.run([sys.executable, str(tmp_path / "snippet.py")], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    final = eval(done.stdout.strip(), {"nan": float("nan")})  # a dict of floats
    assert final["val_data_loss"] == pytest.approx(shown["final"]["val_data_loss"], rel=1e-6)
    (tmp_path / "model.toml").write_text(texts["toml"])
    study = spec.read(tmp_path / "model.toml")
    assert study.models[0][1] == ModelConfig(hidden=(16, 16), learning_rate=0.01, epochs=150,
                                             kernel_regularizer=reglab.l1(0.01))
    assert texts["keras"] == (EXPECTED / "keras_l1.py").read_text()


def test_the_address_reopens_the_same_state(page, explore_url, context):
    open_page(page, explore_url, "#epochs=40&width=8&regularizer=l2&strength=0.01", everything=False)
    page.locator("#lambda").fill("3")
    page.locator("#epoch").fill("5")
    again = context.new_page()
    shown = open_page(again, page.url, everything=False)
    state = again.evaluate("window.reglab.state")
    assert state["lam"] == 3 and state["epoch"] == 5 and state["controls"]["regularizer"] == "l2"
    assert shown["strength"] == again.evaluate("window.reglab.state.scene.strengths[3]")
    assert again.locator("#r-epoch").text_content() == "18"  # 40 epochs, every 3: the sixth snapshot


def test_two_tabs_train_at_once(context, explore_url):
    one, two = context.new_page(), context.new_page()
    one.goto(explore_url + "#epochs=60&width=8&regularizer=l2")
    two.goto(explore_url + "#epochs=60&width=8&regularizer=dropout&strength=0.2")
    for tab in (one, two):
        tab.wait_for_function("window.reglab.timings.lastModel !== null", timeout=120_000)
    assert one.evaluate("window.reglab.state.scene.controls.regularizer") == "l2"
    assert two.evaluate("window.reglab.state.scene.strengths") == [0, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45,
                                                                    0.5]  # dropout rates around 0.2, from 0
    assert two.evaluate("window.reglab.state.models.filter(Boolean).length") == 11


def test_a_sweep_writes_a_page_that_needs_no_server(page, tmp_path):
    result = reglab.sweep("moons", regularizers=["l2", "dropout"], lambdas=[1e-3, 0.1], rates=[0.1, 0.5], seeds=2,
                          epochs=40, hidden=(8, 8), learning_rate=0.01, out=tmp_path / "grid", progress=False)
    asked = []
    page.on("request", lambda request: asked.append(request.url))
    page.goto((tmp_path / "grid" / "explorer.html").as_uri() + "#family=dropout&lam=1")
    page.wait_for_function(f"({CURRENT})() !== null")
    assert [Path(u).name for u in asked] == ["explorer.html"]  # nothing else is fetched
    frame = result.frame.set_index("name")
    name = page.locator("#r-name").text_content()
    assert name == "dropout(0.5) seed 0"
    assert page.evaluate(f"({CURRENT})().final.val_data_loss") == pytest.approx(frame.loc[name, "val_data_loss"],
                                                                                 rel=1e-6)
    page.locator("#family").select_option("l2")
    page.locator("#lambda").fill("0")
    assert page.locator("#r-name").text_content() == "l2(0.001) seed 0"
    page.locator("#epoch").fill("9")  # a sweep keeps final weights: the slider walks the history
    assert page.locator("#r-epoch").text_content() == "10"
    history = reglab.load_sweep(tmp_path / "grid", per="epoch")
    row = history[(history["index"] == frame.loc["l2(0.001) seed 0", "index"]) & (history["epoch"] == 10)]
    assert page.locator("#r-val_data_loss").text_content() == f"{row['val_data_loss'].iloc[0]:.4g}"
    asked.clear()
    page.set_content(result._repr_html_())  # in a notebook the sweep shows the same page inline
    inner = page.frames[1]
    inner.wait_for_function(f"({CURRENT})() !== null")
    assert inner.locator("#r-name").text_content() in frame.index and asked == []  # nothing fetched
    loaded = reglab.load_sweep(tmp_path / "grid")
    page.set_content(loaded._repr_html_())  # so does the table reglab.load_sweep reads, above its rows
    page.frames[1].wait_for_function(f"({CURRENT})() !== null")
    assert page.locator("table.dataframe tbody tr").count() == len(loaded) and asked == []
    assert type(loaded.iloc[:2]) is pd.DataFrame and loaded.equals(result.frame)  # what is made of it is plain


def test_a_saved_sweep_with_axes_offers_every_value_of_each_axis_and_every_seed(page, tmp_path):
    result = reglab.sweep("moons", regularizers=["l2"], lambdas=[1e-3, 0.1], seeds=2, epochs=20, learning_rate=0.01,
                          axes={"hidden": [[4], [8]], "data.n": [60, 100]}, out=tmp_path / "g", progress=False)
    page.goto((tmp_path / "g" / "explorer.html").as_uri() + "#lam=1")
    page.wait_for_function("window.reglab.state.scene !== null")
    options = lambda css: page.locator(f"{css} option").all_text_contents()  # noqa: E731
    assert options("select[data-axis='hidden']") == ["4", "8"] and options("select[data-axis='data.n']") == ["60",
                                                                                                        "100"]
    assert options("#seed") == ["0", "1"] and not page.locator("#seed").is_disabled()
    page.locator("select[data-axis='hidden']").select_option("8")
    page.locator("select[data-axis='data.n']").select_option("100")
    page.locator("#seed").select_option("1")
    frame = result.frame
    row = frame[(frame["hidden"].map(lambda h: list(h) == [8])) & (frame["data.n"] == 100) & (frame["seed"] == 1)
                & (frame["strength"] == 0.1)].iloc[0]
    assert page.locator("#r-name").text_content() == row["name"]
    assert page.locator("#r-val_data_loss").text_content() == f"{row['val_data_loss']:.4g}"
    assert page.evaluate("window.reglab.state.scene.train.xy.length") == 80  # 100 samples: the last 20 validate
    page.locator("#export-toml").click()
    assert "seed = 1" in page.locator("#export-text").text_content()  # the seed shown is the one exported
    assert "seed=1" in page.url and "axis.hidden=8" in page.url


def test_the_views_say_what_they_count_and_wide_layers_are_not_bars(page, explore_url):
    open_page(page, explore_url, "#data=wine&epochs=40&regularizer=l1_proximal&strength=0.01", everything=False)
    caption = page.locator("#units-caption").text_content()
    varying, flat, dead = map(int, re.search(r"Of 128 units, (\d+) vary here, (\d+) are live but constant here .* "
                                             r"and (\d+) are dead", caption).groups())
    live = page.locator("#r-architecture").text_content().split(" → ")[1]  # the first hidden layer's live units
    assert varying + flat + dead == 128 and int(live) == 128 - dead and f'counts the {128 - dead} not dead' in caption
    # the 128-unit layer's column: ticks with gaps between them, not one solid bar
    column = page.evaluate("""() => { const c = document.getElementById('network'), x = Math.round(40 + (c.width - 80)
        / 3); const d = c.getContext('2d').getImageData(x, 0, 1, c.height).data, out = [];
        for (let i = 0; i < d.length; i += 4) out.push(d[i + 3] > 128); return out; }""")
    switches = sum(a != b for a, b in zip(column, column[1:]))
    assert switches > 100  # dark ticks and light gaps alternate down the column
    table = json.loads(urllib.request.urlopen(explore_url + "api/controls").read())
    assert table["controls"]["epochs"]["allowed"] == [1, MAX_EPOCHS]
    with pytest.raises(reglab.ReglabError, match=r"^epochs: got 100001; allowed: an integer in \[1, 100,000\]$"):
        reglab.ModelConfig(epochs=MAX_EPOCHS + 1)


def test_a_saved_page_never_replaces_a_file_reglab_did_not_write(tmp_path):
    reglab.sweep("moons", regularizers=["l2"], lambdas=[1e-3], seeds=1, epochs=5, hidden=(4,), out=tmp_path / "g",
                 progress=False, report=False)
    mine = tmp_path / "notes.html"
    mine.write_text("<p>my notes</p>")
    command = [sys.executable, "-m", "reglab", "explore", str(tmp_path / "g"), "--save"]
    done = subprocess.run([*command, str(mine)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 2 and done.stderr.startswith("reglab: error: save: got ") and "\n" not in \
        done.stderr.strip() and mine.read_text() == "<p>my notes</p>"
    page = tmp_path / "page.html"
    for _ in range(2):  # a page reglab wrote is replaced
        done = subprocess.run([*command, str(page)], capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr
    assert "window.REGLAB_STATIC" in page.read_text()
    done = subprocess.run([sys.executable, "-m", "reglab", "explore", str(tmp_path)], capture_output=True, text=True)
    assert done.returncode == 2 and "sweep: got" in done.stderr


def test_closing_the_connection_cancels_the_rest_of_the_path(explore_url, monkeypatch):
    """The page closes its request when a control changes again: the server starts no further model of it (and the
    stream told of the running models' epochs before the first model came)."""
    import http.client
    import threading
    import time
    from urllib.parse import urlparse

    from reglab.explore import payload

    sent, model = [], payload.model
    monkeypatch.setattr(payload, "model", lambda *args: sent.append(1) or model(*args))
    where = urlparse(explore_url)
    connection = http.client.HTTPConnection(where.hostname, where.port, timeout=120)
    connection.request("POST", "/api/train", body=json.dumps({"controls": {"epochs": 3000, "width": 64}}),
                       headers={"Content-Type": "application/json"})
    answer = connection.getresponse()
    assert json.loads(answer.readline())["type"] == "scene"
    kinds = []
    while "model" not in kinds:  # the running models' epochs come first, as their chunks end
        kinds.append(json.loads(answer.readline())["type"])
    assert set(kinds) == {"progress", "model"}
    connection.close()
    deadline = time.monotonic() + 120
    while any(t.name == "reglab-explore" for t in threading.enumerate()) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(t.name == "reglab-explore" for t in threading.enumerate())
    assert 1 <= len(sent) < 13  # those training when it closed stop at their chunk's end; the rest never start


def test_reglab_explore_serves_on_loopback_and_stops_on_ctrl_c(tmp_path):
    import signal

    server = subprocess.Popen([sys.executable, "-m", "reglab", "explore", "--no-browser", "--port", "0"],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = server.stdout.readline()
        url = re.search(r"http://localhost:(\d+)/", line)
        assert url, line
        with urllib.request.urlopen(f"http://127.0.0.1:{url.group(1)}/api/controls", timeout=30) as answer:
            assert json.loads(answer.read())["controls"]["epochs"]["default"] == 2000
    finally:
        server.send_signal(signal.SIGINT)
        code = server.wait(60)
    assert code == 130 and server.stderr.read().strip() == "reglab: interrupted; the server stopped."
