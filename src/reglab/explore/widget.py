"""``reglab.explore(data, **settings)`` in a notebook: the page as a widget (anywidget), its models trained in the
kernel through the same runner as the server's, streamed to it as they finish; the λ, epoch and seed sliders
redraw in the front end alone. The kernel reads it back: ``widget.selected``, ``widget.runs``,
``widget.controls``."""

import threading

import anywidget
import traitlets

from .. import data as datasets
from ..results import Runs
from ..studies.training import as_split
from ..vocabulary.errors import ReglabError
from . import STATIC, server, static_page
from . import controls as table


class Explorer(anywidget.AnyWidget):
    """The page as a widget. ``controls``: its settings (the page's controls, checked as the server checks them;
    setting them from Python retrains, and what a new dict leaves out keeps its value); ``runs``: the path's
    Runs trained so far, by strength then seed; ``selected``: the Run the sliders show (None until it has
    trained); ``view``: the slider positions the page reports (``lam``, ``seed``, ``epoch``)."""

    _esm = STATIC / "widget.js"
    _page = traitlets.Unicode().tag(sync=True)
    controls = traitlets.Dict().tag(sync=True)
    view = traitlets.Dict().tag(sync=True)

    def __init__(self, data=None, **settings):
        named = isinstance(data, str)
        self._own = None if data is None or named else as_split(data).dataset  # a Dataset, (X, y) or Split
        self._plan, self._runs, self._cancel, self._lock = None, {}, threading.Event(), threading.Lock()
        super().__init__(_page=static_page.widget_page(), controls={"data": data} if named else
                         {"data": "csv"} if self._own is not None else {})
        self.controls = settings
        self.on_msg(self._heard)

    @traitlets.validate("controls")
    def _checked(self, proposal) -> dict:
        """A new dict of controls over the current ones, checked (a bad one: one ReglabError line)."""
        return table.check({**self.controls, **proposal["value"]})

    @property
    def runs(self) -> Runs:
        with self._lock:
            plan, runs = self._plan, dict(self._runs)
        order = sorted(runs, key=lambda i: (plan.models[i][1], plan.models[i][2]))
        return Runs(runs[i] for i in order)

    @property
    def selected(self):
        with self._lock:
            plan, runs = self._plan, dict(self._runs)
        if plan is None or not 0 <= self.view.get("lam", -1) < len(plan.strengths):
            return None  # nothing trained yet, or the page's slider still on the path before
        strength = plan.strengths[self.view["lam"]]
        return next((runs.get(i) for i, (_, s, seed, _) in enumerate(plan.models)
                     if s == strength and seed == self.view.get("seed", 0)), None)

    def _heard(self, _, message, buffers):
        if message.get("reglab") == "controls":
            own = self._own.name if self._own is not None else None
            self.send({"reglab": "table", "table": {**table.described(), "current": self.controls, "own": own}})
        elif message.get("reglab") == "train":
            self._train(message.get("body") or {})

    def _say(self, message):
        self.send({"reglab": "line", "message": message})

    def _train(self, body):
        """Cancel what trains, then train the request's path on a thread of its own (the kernel stays free)."""
        self._cancel.set()
        cancel = self._cancel = threading.Event()
        try:
            the_plan, split, plane, scene = server.prepare(body, self._own)
        except ReglabError as err:
            self._say({"type": "error", "message": str(err)})
            return
        with self._lock:
            self._plan, self._runs = the_plan, {}
        if scene["controls"] != self.controls:
            self.controls = scene["controls"]
        self._say(scene)

        def work():
            try:
                for run, message in server.trained(the_plan, split, plane, cancel):
                    if cancel.is_set():
                        return
                    with self._lock:
                        self._runs[message["index"]] = run
                    self._say(message)
                self._say({"type": "done"})
            except ReglabError as err:
                self._say({"type": "error", "message": str(err)})

        threading.Thread(target=work, name="reglab-widget", daemon=True).start()


def explore(data=None, **settings) -> Explorer:
    """The page as a notebook widget, on ``data`` (a data-set name, a Dataset, an ``(X, y)`` pair or a Split;
    None: the lecture's moons) with ``settings`` for its controls (``epochs=300``, ``regularizer="l2"``, ...)."""
    if data is not None and not isinstance(data, (str, datasets.Dataset, datasets.Split, tuple)):
        raise ReglabError("data", type(data).__name__, "a data-set name, a Dataset, a Split or an (X, y) pair")
    return Explorer(data, **settings)
