"""The runner's executor on a Ray cluster (``run(jobs, executor="ray", address=...)``): each model is a Ray task
on a worker process that stays alive between tasks and keeps the programs it compiled (the runner passes in the
function that trains a model, ``runner.train_task``, which compiles through the runner's cache in the worker); each
distinct data set goes to the object store once; a task is a pure function of its program, hyperparameters and
data, so Ray's retry of a task whose worker died repeats nothing that counts.
Results come back to the caller, which writes them (a sweep's driver writes its store as with any executor).

Each worker runs on one core of its node, as the threads executor runs one program per core: unpinned, two worker
processes' XLA thread pools contend for the same cores and each model trained 1.4-1.7x slower on the 2-core
machine. A worker claims the first free core with a lock file per core in the node's temporary folder (released
when its process ends, so a restarted worker finds it), before JAX starts its threads; where every core is claimed
it stays unpinned.

``address``: None starts a local Ray runtime for this call and stops it after (``ray.init(address="local")``: a
stale cluster address left in Ray's temp folder cannot make it hang); ``"auto"`` or ``"HOST:PORT"`` joins a running
cluster and leaves it running. Where the caller has connected already (``ray.is_initialized()``), its connection
is used and kept. Needs ``pip install "reglab[ray]"``.
"""

import fcntl
import os
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from dataclasses import replace

from ..vocabulary.errors import ReglabError

RETRIES = 3  # a task whose worker dies (a lost node, SIGKILL, the OOM killer) runs again, up to this many times
_CORE = []  # this worker's claim: [the open, locked file of its core] once claimed (or None: all were taken)


def _claim_a_core():
    """Pin this process to the first core no other reglab worker on the node holds (see the module's note)."""
    if _CORE:
        return
    _CORE.append(None)
    for core in sorted(os.sched_getaffinity(0)):
        handle = open(os.path.join(tempfile.gettempdir(), f"reglab-core-{core}.lock"), "w")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.close()
            continue
        os.sched_setaffinity(0, {core})  # threads started from here on (XLA's) inherit it
        _CORE[0] = handle
        return


def train_model(train, program, hparams, data, carry, job, told=None, key=None):
    """One model, in a Ray worker (its process is titled ``ray::train_model`` while it runs): ``train`` (the
    runner's ``train_task``) on a core of its own, claimed before the first program compiles; its epochs, as its
    chunks end, told to the ``told`` actor (``Told``) under ``key``."""
    _claim_a_core()
    if told is None:
        return train(program, hparams, data, carry, job)
    return train(program, hparams, data, carry, job, lambda _, epochs, cancelled=False: told.tell.remote(key, epochs))


class Told:
    """An actor that keeps what the workers tell of their models' epochs, ``(key, epochs)`` in the order told,
    until the driver takes it."""

    def __init__(self):
        self._told = []

    def tell(self, key, epochs):
        self._told.append((key, epochs))

    def take(self) -> list:
        told, self._told = self._told, []
        return told


def _ray():
    try:
        import ray as ray_
    except ImportError:
        raise ReglabError("executor", "ray", 'threads or vectorized; or install Ray: pip install "reglab[ray]"') \
            from None
    return ray_


@contextmanager
def connected(address=None):
    """Connected to the cluster at ``address`` (see ``ray``) for the block, unless the caller is already; the
    executor's calls inside use and keep this connection; a runtime started here is stopped after."""
    ray_ = _ray()
    if ray_.is_initialized():
        yield
        return
    _connect(ray_, address)
    try:
        yield
    finally:
        ray_.shutdown()


CONNECT_SECONDS = 15  # how long a cluster's head may take to answer; Ray itself retries for minutes
# Ray's own connection, tried in a process of its own that can be given up on: in this one, ray.init would retry
PROBE = ("import sys, ray; ray.init(address=sys.argv[1], include_dashboard=False, log_to_driver=False, "
         "logging_level='ERROR'); ray.shutdown()")


def _connect(ray_, address):
    """``ray.init`` for ``address`` (None: a local runtime), quietly (Ray's INFO lines and notices only with
    ``REGLAB_RAY_LOG=info``); where no cluster answers, one ReglabError naming the address and what was tried,
    within CONNECT_SECONDS: a TCP connection to HOST:PORT, then Ray's own connection in a process of its own."""
    level = os.environ.get("REGLAB_RAY_LOG", "error").upper()
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    os.environ.setdefault("RAY_BACKEND_LOG_LEVEL", level.lower())  # Ray's C++ core writes to stderr by itself
    allowed = "auto, or the HOST:PORT of a running Ray cluster's head"
    if address and address != "auto":
        host, colon, port = address.rpartition("://")[2].rpartition(":")
        if not colon or not host or not port.isdigit():
            raise ReglabError("address", address, allowed)
        began = time.monotonic()
        try:
            socket.create_connection((host, int(port)), timeout=CONNECT_SECONDS / 3).close()
        except OSError as err:
            raise ReglabError("address", address, f"{allowed} (no Ray cluster answers there: a connection to {host}:"
                              f"{port} gave '{err.strerror or err}')") from None
        left = CONNECT_SECONDS - (time.monotonic() - began)
        try:
            probe = subprocess.run([sys.executable, "-c", PROBE, address], capture_output=True, text=True,
                                   timeout=left, env={**os.environ, "RAY_BACKEND_LOG_LEVEL": "fatal"})
        except subprocess.TimeoutExpired:
            raise ReglabError("address", address, f"{allowed} (something listens at {host}:{port}, but no Ray "
                              f"cluster's head answered Ray's connection within {CONNECT_SECONDS} s)") from None
        if probe.returncode:
            said = (probe.stderr.strip().splitlines() or ["no message"])[-1][:200]
            raise ReglabError("address", address, f"{allowed} (Ray's connection to it failed: {said})")
    try:
        ray_.init(address=address or "local", include_dashboard=False, log_to_driver=False, logging_level=level)
    except ConnectionError as err:  # "auto" with no cluster on this machine, a head that refused us
        raise ReglabError("address", address, f"{allowed} (no Ray cluster answers there: "
                          f"{str(err).split('. ')[0]})") from None


POLL_SECONDS = 0.25  # how often the driver takes the workers' epochs and looks for a cancel


def ray(tasks, cancelled, ahead=(), *, train, address=None, in_flight=None, progress=None):
    """Yield ``(task, Trained)`` as Ray tasks finish, each trained by ``train(program, hparams, data, carry, job,
    [progress])`` in a worker (the runner's ``train_task``: Ray sends it by name); at most ``in_flight`` (default:
    twice the cluster's CPUs) submitted at a time, so a grid of any size holds only that many specifications and
    results at once. ``progress(job, epochs, cancelled=False)``: called here with the epochs the workers tell
    (through a ``Told`` actor), every POLL_SECONDS. A cancel, or leaving the loop, cancels what has not finished
    (Ray interrupts a running model at its chunk's end) and reports it cancelled; a runtime this call started is
    stopped."""
    with connected(address):
        ray_ = _ray()
        remote = ray_.remote(num_cpus=1, max_retries=RETRIES)(train_model)
        told = ray_.remote(num_cpus=0)(Told).remote() if progress else None
        pending, stored, seen = {}, {}, {}
        try:
            limit = in_flight or 2 * max(1, int(ray_.cluster_resources().get("CPU", 1)))
            queue = iter(tasks)
            while not cancelled():
                while len(pending) < limit:
                    task = next(queue, None)
                    if task is None:
                        break
                    hparams, data, carry = task.args
                    if id(data) not in stored:  # jobs on one data set share its arrays (runner._tasks)
                        stored[id(data)] = ray_.put(data)
                    job = replace(task.job, data=None)  # its data travel once, in the object store
                    ref = remote.remote(train, task.program, hparams, stored[id(data)], carry, job, told, id(task))
                    pending[ref] = task
                if not pending:
                    return
                done, _ = ray_.wait(list(pending), num_returns=1, timeout=POLL_SECONDS)
                if told is not None:
                    running = {id(task): task for task in pending.values()}
                    for key, epochs in ray_.get(told.take.remote()):
                        if key in running:  # a finished model's late word is not news
                            seen[key] = epochs
                            progress(running[key].job, epochs)
                if done:
                    task = pending.pop(done[0])
                    yield task, ray_.get(done[0])
        finally:
            for ref, task in pending.items():
                ray_.cancel(ref)
                if progress:
                    progress(task.job, seen.get(id(task), 0), True)
            if told is not None:
                ray_.kill(told)
