"""The terminal's progress bar over models' epochs (rich, on stderr)."""

import threading


def progress_bar(label, epochs, done=0):
    """A started progress bar on stderr over models of ``epochs`` each (a list, ``done`` models finished before),
    counting their epochs as the runner reports them (``bar.epochs(job, epochs)``) and the finished models beside
    them (``bar.finished(i)``, i the model's index in ``epochs``), with elapsed time and ETA; ``.stop()`` it."""
    return _Bar(label, epochs, done)


class _Bar:
    """rich's Progress over models' epochs; its updates come from the threads that train."""

    def __init__(self, label, epochs, done):
        from rich.console import Console
        from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

        self._epochs, self._seen, self._lock = epochs, {}, threading.Lock()
        self._models, self._total = done, done + len(epochs)
        self._bar = Progress(TextColumn(label), BarColumn(), TextColumn("{task.fields[models]}"), TimeElapsedColumn(),
                             TextColumn("eta"), TimeRemainingColumn(), console=Console(stderr=True), transient=True)
        self._task = self._bar.add_task("epochs", total=sum(epochs), models=self._count())
        self._bar.start()

    def _count(self):
        return f"{self._models}/{self._total} models"

    def epochs(self, job, epochs, cancelled=False):
        with self._lock:
            ahead, self._seen[job.tag] = epochs - self._seen.get(job.tag, 0), epochs
            self._bar.update(self._task, advance=0 if cancelled else ahead)

    def finished(self, i):
        with self._lock:
            self._models += 1
            ahead, self._seen[i] = self._epochs[i] - self._seen.get(i, 0), self._epochs[i]
            self._bar.update(self._task, advance=ahead, models=self._count())

    def stop(self):
        self._bar.stop()
