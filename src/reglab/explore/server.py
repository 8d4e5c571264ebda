"""``reglab explore``'s web server: a Starlette app that serves the page and trains what its controls ask for.

    GET  /              the page (static/index.html, explore.js, explore.css: no library, nothing from a CDN)
    GET  /api/controls  the controls, their defaults and what each allows (controls.CONTROLS)
    POST /api/train     {"controls": {...}, "csv": {"name", "text", "label"}?} -> newline-delimited JSON: a
                        "scene" message (the data, the path's models, the exports), one "model" message per model
                        as it finishes (payload.model), then "done"; or one "error" message if training fails

A bad request is HTTP 400 with ``{"error": "<one line>"}``, before anything trains. Closing the connection (the
page does when a control changes again) cancels the work: no further model starts.
"""

import asyncio
import json
import threading
import time
from contextlib import asynccontextmanager
from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from .. import data as datasets
from ..vocabulary.errors import ReglabError
from . import STATIC, exports, payload
from . import controls as table

TYPES = {".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8", ".css": "text/css"}
MAX_BODY = table.CSV_BYTES + 20_000  # the controls and a CSV file
DRAIN = 64 * MAX_BODY


def load_data(controls, csv) -> datasets.Dataset:
    """The data set the controls name; ``csv`` (``{"name", "text", "label"}``) when they name ``csv``."""
    name = controls["data"]
    if name == "csv":
        if not isinstance(csv, dict) or not isinstance(csv.get("text"), str):
            raise ReglabError("csv", type(csv).__name__, "an uploaded CSV file when data is csv")
        text = csv["text"]
        if len(text.encode()) > table.CSV_BYTES or text.count("\n") > table.CSV_ROWS:
            raise ReglabError("csv", f"{len(text.encode()):,} bytes, {text.count(chr(10)):,} lines",
                              f"at most {table.CSV_BYTES:,} bytes and {table.CSV_ROWS:,} rows")
        label = csv.get("label") or "label"
        return datasets.parse_csv(text.encode(), Path(Path(str(csv.get("name") or "upload.csv")).name), str(label))
    if name in table.GENERATED:
        noisy = name in table.default_noise()
        return datasets.load(name, n=controls["n"], **({"noise": controls["noise"]} if noisy else {}))
    return datasets.load(name)


def prepare(body, own=None) -> tuple:
    """(plan, split, plane, scene message) of a request's JSON body; ReglabError for anything bad. ``own``: a
    Dataset the caller holds (the widget's), trained on where the controls name a file of the user's (csv)."""
    if not isinstance(body, dict) or set(body) - {"controls", "csv"}:
        raise ReglabError("request", str(body)[:60], 'a JSON object {"controls": {...}, "csv": {...}}')
    controls = table.check(body.get("controls", {}))
    dataset = own if own is not None and controls["data"] == "csv" else load_data(controls, body.get("csv"))
    standardize = table.standardized(controls)
    split = datasets.split(dataset, controls["validation_split"], standardize=standardize)
    if len(set(split.y_train.tolist())) < dataset.n_classes:
        raise ReglabError("validation_split", controls["validation_split"],
                          "a split that leaves every class some training rows")
    the_plan = table.plan(controls, split)
    plane = payload.Plane(split)
    by_seed = {}  # seed -> strength -> (name, config): each seed's exports, for the page's seed choice
    for name, s, seed, config in the_plan.models:
        by_seed.setdefault(seed, {})[s] = (name, config)
    scene = {"type": "scene", **payload.scene(split, plane), "controls": controls, "strengths": the_plan.strengths,
             "log": table.log_scale(controls["regularizer"]),
             "models": [{"index": i, "strength": s, "seed": seed, "name": name}
                        for i, (name, s, seed, _) in enumerate(the_plan.models)],
             "seeds": sorted(by_seed),
             "exports": {str(seed): [exports.all_three(models[s][1], dataset, controls["validation_split"],
                                                       models[s][0], standardize) for s in the_plan.strengths]
                         for seed, models in by_seed.items()},
             "budget": {"work": the_plan.work, "limit": table.BUDGET}}
    return the_plan, split, plane, scene


def _line(message) -> bytes:
    return (json.dumps(message, separators=(",", ":"), allow_nan=False) + "\n").encode()


async def train(request: Request) -> Response:
    raw, size = b"", 0
    async for chunk in request.stream():  # an oversized body is read to its end (up to DRAIN) so the client can
        size += len(chunk)                # read the answer instead of meeting a closed connection mid-send
        if size <= MAX_BODY:
            raw += chunk
        elif size > DRAIN:
            break
    if size > MAX_BODY:
        return _bad(ReglabError("request", f"{size:,} bytes" if size <= DRAIN else f"over {DRAIN:,} bytes",
                                f"at most {MAX_BODY:,} bytes"))
    try:
        body = json.loads(raw or b"{}")
    except (ValueError, UnicodeDecodeError) as err:
        return _bad(ReglabError("request", raw[:40].decode(errors="replace"), f"JSON ({err})"))
    try:
        the_plan, split, plane, scene = await asyncio.to_thread(prepare, body)
    except ReglabError as err:
        return _bad(err)
    return StreamingResponse(_stream(the_plan, split, plane, scene), media_type="application/x-ndjson",
                             headers={"Cache-Control": "no-store"})


def trained(the_plan, split, plane, cancel=None, on_epochs=None):
    """Train the plan's models through the runner (snapshots kept, boundaries measured on a 2-input plane) and
    yield each one's Run and message (payload.model) as it finishes; setting ``cancel`` stops the models (those
    running at their chunk's end); ``on_epochs(job, epochs, cancelled=False)`` hears of their epochs as they go."""
    from ..studies.training import train as train_models

    named = [(name, config) for name, _, _, config in the_plan.models]
    window = plane.window if split.X_train.shape[1] == 2 else None
    for i, run in train_models(named, split, window=window, snapshots=payload.SNAPSHOTS, cancel=cancel,
                               on_epochs=on_epochs):
        _, strength, seed, _ = the_plan.models[i]
        yield run, payload.model(i, strength, seed, run, plane, len(split.y_val))


async def _stream(the_plan, split, plane, scene):
    """The scene, then each model as it finishes (trained in a thread of its own), then "done"; leaving early
    (the page closed the connection) cancels what has not started."""
    loop, queue, cancel = asyncio.get_running_loop(), asyncio.Queue(), threading.Event()
    start, done, lock = time.perf_counter(), {}, threading.Lock()
    total = sum(config.epochs for *_, config in the_plan.models)

    def on_epochs(job, epochs, cancelled=False):  # the epochs of all models so far, as their chunks end
        with lock:
            done[job.tag] = epochs
            message = {"type": "progress", "epochs": sum(done.values()), "total": total}
        loop.call_soon_threadsafe(queue.put_nowait, _line(message))

    def work():
        try:
            for _, message in trained(the_plan, split, plane, cancel, on_epochs):
                loop.call_soon_threadsafe(queue.put_nowait, _line(message))
                if cancel.is_set():
                    break
        except ReglabError as err:
            loop.call_soon_threadsafe(queue.put_nowait, _line({"type": "error", "message": str(err)}))
        except Exception as err:  # the page shows it; the server keeps serving
            message = f"training failed: {type(err).__name__}: {err}".splitlines()[0]
            loop.call_soon_threadsafe(queue.put_nowait, _line({"type": "error", "message": message}))
        finally:
            loop.call_soon_threadsafe(queue.put_nowait, None)

    threading.Thread(target=work, name="reglab-explore", daemon=True).start()
    try:
        yield _line(scene)
        while (item := await queue.get()) is not None:
            yield item
        yield _line({"type": "done", "seconds": time.perf_counter() - start})
    finally:
        cancel.set()


def _bad(err: ReglabError) -> Response:
    return JSONResponse({"error": str(err)}, status_code=400)


async def control_table(request: Request) -> Response:
    return JSONResponse(table.described())


async def static(request: Request) -> Response:
    name = request.path_params.get("name", "index.html")
    path = STATIC / name
    suffix = Path(name).suffix
    if suffix not in TYPES or "/" in name or not path.is_file():
        return JSONResponse({"error": f"path: got {request.url.path!r}; allowed: /, /explore.js, /explore.css"},
                            status_code=404)
    return Response(path.read_bytes(), media_type=TYPES[suffix], headers={"Cache-Control": "no-cache"})


async def no_icon(request: Request) -> Response:
    return Response(status_code=204)


def warm_up():
    """Import the engine and compile (or load from the cache) the lecture's program, so that the first page's
    models start at once: a request whose work is cancelled before it starts still compiles its first program.
    Then the shuffle program of every data size, so that other samples or another split compile nothing."""
    from ..engine.runner import prepare_shuffles
    from ..studies.training import train as train_models

    the_plan, split, plane, _ = prepare({})
    cancelled = threading.Event()
    cancelled.set()
    list(train_models([(n, c) for n, _, _, c in the_plan.models[:1]], split, snapshots=payload.SNAPSHOTS,
                      cancel=cancelled))
    prepare_shuffles()


def make_app(warm=True, page=None) -> Starlette:
    """The explorer's ASGI app; ``warm``: compile the lecture's program in the background at start-up; ``page``:
    HTML to serve at / instead of the training page."""

    @asynccontextmanager
    async def lifespan(app):
        thread = threading.Thread(target=warm_up, name="reglab-warm-up", daemon=True)
        if warm:
            thread.start()
        yield
        if warm:  # a thread still inside XLA when the process exits would abort it
            await asyncio.to_thread(thread.join)

    async def saved(request: Request) -> Response:
        return Response(page, media_type=TYPES[".html"])

    return Starlette(routes=[Route("/", saved if page else static), Route("/api/controls", control_table),
                             Route("/api/train", train, methods=["POST"]), Route("/favicon.ico", no_icon),
                             Route("/{name}", static)], lifespan=lifespan)


def serve(host="127.0.0.1", port=8765, open_browser=True, page=None):
    """Serve the explorer until Ctrl-C; print its address and open it in a browser. ``page``: a saved page's HTML
    to serve at / instead (a finished sweep's)."""
    import socket
    import webbrowser

    import uvicorn

    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
        sock.listen(128)  # a browser that opens before uvicorn starts waits in the queue instead of being refused
    except OSError as err:
        raise ReglabError("port", port, f"a free port on {host} ({err.strerror or err}); try --port 0") from None
    url = f"http://{'localhost' if host in ('127.0.0.1', '::1') else host}:{sock.getsockname()[1]}/"
    server = uvicorn.Server(uvicorn.Config(make_app(warm=page is None, page=page), log_level="warning"))
    print(f"reglab explore: {url}  (Ctrl-C stops it)", flush=True)
    if open_browser:
        threading.Timer(0.5, webbrowser.open, (url,)).start()
    server.run(sockets=[sock])
