"""The runner's Ray executor on a real local Ray runtime and on a two-node cluster simulated with Ray's own
``ray.cluster_utils.Cluster``: the same table as the threads executor, a SIGKILLed worker, a killed driver. Each
test starts and stops the Ray processes it uses; Ray's files (its session folder, its authentication token) go to
a temporary home."""

import os
import signal
import subprocess
import sys
import tempfile
import threading
import time

import pytest

import reglab
from reglab import data
from reglab.results import SweepStore

ray = pytest.importorskip("ray")  # the test extra installs it: never skipped in CI
# Ray starts its processes with subprocess (fork, then exec at once), which JAX's warning about fork does not concern
pytestmark = [pytest.mark.filterwarnings("ignore:os.fork\\(\\) was called:RuntimeWarning"),
              pytest.mark.xdist_group("ray")]  # one worker starts the local Ray runtimes, one after another

SETTINGS = {"hidden": (16,), "activation": "tanh", "learning_rate": 0.01, "epochs": 300}
GRID = {"regularizers": ["l1", "l2"], "lambdas": [1e-4, 1e-3, 1e-2], "seeds": 4}  # 24 models, 3 chunks of 8
COLUMNS = ["index", "regularizer", "strength", "seed", "data_loss", "val_data_loss", "accuracy", "val_accuracy",
           "penalty", "zeros", "boundary_length"]  # the boundary: measured in the Ray workers


@pytest.fixture(scope="module")
def ray_home():
    """A short temporary HOME, RAY_TMPDIR and TMPDIR (the workers' core locks) for the Ray processes (Unix socket
    paths must stay short); usage statistics off."""
    home = tempfile.mkdtemp(prefix="rg-")
    saved = {k: os.environ.get(k) for k in ("HOME", "RAY_TMPDIR", "TMPDIR", "RAY_USAGE_STATS_ENABLED")}
    os.environ.update(HOME=home, RAY_TMPDIR=home, TMPDIR=home, RAY_USAGE_STATS_ENABLED="0")
    yield home
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value
    subprocess.run(["rm", "-rf", home])


@pytest.fixture(scope="module")
def expected(tmp_path_factory):
    """The threads executor's table of the grid: what every Ray run must give, bit for bit."""
    out = tmp_path_factory.mktemp("threads") / "s"
    return reglab.sweep(data.split(data.moons()), **GRID, executor="threads", out=out, progress=False,
                        report=False, **SETTINGS).frame[COLUMNS]


@pytest.fixture
def cluster(ray_home):
    """Two nodes of one CPU each (a head and a worker node), on this machine."""
    from ray.cluster_utils import Cluster

    two = Cluster(initialize_head=True, head_node_args={"num_cpus": 1}, shutdown_at_exit=False)
    two.add_node(num_cpus=1)
    two.wait_for_nodes()
    yield two
    two.shutdown()


def test_a_sweep_on_a_local_ray_runtime_gives_the_threads_executors_table(ray_home, expected, tmp_path):
    result = reglab.sweep(data.split(data.moons()), **GRID, executor="ray", out=tmp_path / "s", progress=False,
                          report=False, **SETTINGS)
    assert result.frame[COLUMNS].equals(expected)
    assert not ray.is_initialized()  # the runtime this sweep started is stopped


def _busy_workers():
    """The processes of Ray workers inside a model now (Ray titles them ``ray::train_model``), from /proc."""
    busy = []
    for entry in os.scandir("/proc"):
        try:
            if entry.name.isdigit() and open(f"/proc/{entry.name}/cmdline", "rb").read().startswith(b"ray::train_"):
                busy.append(int(entry.name))
        except OSError:  # gone meanwhile
            pass
    return busy


def _wait_for_the_end_of_earlier_runtimes(home, seconds=60, quiet=3.0):
    """Until no Ray process of an earlier test (one whose command line names ``home``, its temporary folder, or a
    cluster's head, ``gcs_server``, which ``address="auto"`` finds by its process) has been seen for ``quiet``
    seconds: Ray stops a runtime's processes after its call returns, one after another."""
    deadline, clear_since = time.time() + seconds, None
    while time.time() < deadline:
        left = []
        for entry in os.scandir("/proc"):
            try:
                line = open(f"/proc/{entry.name}/cmdline", "rb").read() if entry.name.isdigit() else b""
                if home.encode() in line or os.path.basename(line.split(b"\0")[0]) == b"gcs_server":
                    left.append(line[:120].replace(b"\0", b" ").decode(errors="replace"))
            except OSError:  # gone meanwhile
                pass
        if left:
            clear_since = None
        elif clear_since is None:
            clear_since = time.time()
        elif time.time() - clear_since >= quiet:
            return
        time.sleep(0.2)
    raise AssertionError(f"Ray processes of earlier tests still run after {seconds} s: {left}")


def test_a_two_node_cluster_gives_the_same_table_when_a_worker_is_killed_mid_sweep(cluster, expected, tmp_path):
    killed, done = [], threading.Event()

    def kill_one_worker():  # SIGKILL the first worker seen inside a model, compiling or training it
        while not (killed or done.is_set()):
            for pid in _busy_workers()[:1]:
                os.kill(pid, signal.SIGKILL)
                killed.append(pid)

    killer = threading.Thread(target=kill_one_worker)
    killer.start()
    try:
        result = reglab.sweep(data.split(data.moons()), **GRID, executor="ray", address=cluster.address,
                              out=tmp_path / "s", progress=False, report=False, **SETTINGS)
    finally:
        done.set()
        killer.join()
    assert len(killed) == 1, "no worker was seen inside a model"
    assert not ray.is_initialized()  # the driver left the cluster, which runs on
    assert result.frame[COLUMNS].equals(expected)  # the killed worker's model was trained again, the same


def test_a_killed_driver_is_finished_by_running_it_again(cluster, expected, tmp_path):
    """Six chunks of 4 models, each written as soon as its last model is in (a cold worker's first model can make
    chunk 0 the last): the driver is killed as the first of them appears."""
    spec, out = tmp_path / "grid.toml", tmp_path / "s"
    spec.write_text('[data]\nname = "moons"\n[defaults]\nhidden = [16]\nactivation = "tanh"\nlearning_rate = 0.01\n'
                    'epochs = 300\n[sweep]\nregularizers = ["l1", "l2"]\nlambdas = [1e-4, 1e-3, 1e-2]\nseeds = 4\n'
                    'chunk_size = 4\n')  # the grid and settings of `expected`
    args = [sys.executable, "-m", "reglab", "sweep", str(spec), "--out", str(out), "--executor", "ray", "--address",
            cluster.address]
    driver = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 180
    while not SweepStore(out).finished():  # a first chunk written: kill the driver
        assert driver.poll() is None and time.time() < deadline, driver.communicate()[1]
        time.sleep(0.005)
    driver.kill()
    driver.wait()
    finished = SweepStore(out).finished()
    assert 0 < len(finished) < 6
    again = subprocess.run(args, capture_output=True, text=True)
    assert again.returncode == 0, again.stderr
    said = [line for line in (again.stdout + again.stderr).splitlines() if " INFO " in line or "token" in line]
    assert not said  # Ray's own INFO lines and its notices stay out of the user's terminal
    assert f"(24 models, {24 - 4 * len(finished)} trained now)" in again.stdout  # only what was missing
    assert reglab.load(out)[COLUMNS].equals(expected)


@pytest.mark.parametrize("address, listening", [("auto", False), ("127.0.0.1:{port}", False),
                                                ("127.0.0.1:{port}", True)])
def test_an_address_where_no_cluster_answers_is_one_line_soon_and_writes_nothing(ray_home, tmp_path, address,
                                                                                listening):
    import socket

    server = socket.socket()  # a loopback port that nothing listens on once closed, or that accepts and is silent
    server.bind(("127.0.0.1", 0))
    port = server.getsockname()[1]
    if listening:
        server.listen(16)
    else:
        server.close()
    address = address.format(port=port)
    _wait_for_the_end_of_earlier_runtimes(ray_home)  # "auto" would find one still shutting down, by its processes
    began = time.perf_counter()
    alone = {**os.environ, "RAY_TMPDIR": tempfile.mkdtemp(dir=ray_home)}  # nor in a folder of its own
    alone.pop("RAY_ADDRESS", None)  # nor by an address an earlier runtime left in the environment
    done = subprocess.run([sys.executable, "-m", "reglab", "sweep", "seed", "--epochs", "2", "--out",
                           str(tmp_path / "s"), "--executor", "ray", "--address", address], capture_output=True,
                          text=True, timeout=120, env=alone)
    assert done.returncode == 2 and done.stderr.strip().count("\n") == 0, done.stderr
    assert done.stderr.startswith(f"reglab: error: address: got '{address}'; allowed: auto, or the HOST:PORT")
    said = "but no Ray cluster's head answered" if listening else "no Ray cluster answers there"
    assert said in done.stderr and not (tmp_path / "s").exists()
    print(f"{address} ({'listening' if listening else 'closed'}): refused after {time.perf_counter() - began:.1f} s")
    server.close()  # Ray alone retried for two minutes


def test_ray_workers_report_their_models_epochs_and_a_cancel_stops_them(ray_home):
    """On a local Ray runtime, two 20,000-epoch models tell their epochs as their chunks end (through an actor,
    taken every quarter second); a second after the first word the run is cancelled: both are reported cancelled,
    neither comes out of the loop. Bounds are generous (a cold worker compiles first; a loaded machine)."""
    from reglab.engine.runner import Job, connected, run
    from reglab.vocabulary.config import ModelConfig

    cancel, reports, lock = threading.Event(), [], threading.Lock()

    def progress(job, epochs, cancelled=False):
        with lock:
            reports.append((time.perf_counter(), job.tag, epochs, cancelled))
            if len(reports) == 1:
                threading.Timer(1.0, cancel.set).start()

    jobs = [Job(ModelConfig(hidden=(64, 64), learning_rate=0.01, epochs=20_000, seed=s), data.split(data.moons()), s)
            for s in range(2)]
    with connected("ray"):
        out = list(run(jobs, "ray", cancel=cancel, progress=progress))
    assert out == [] and not ray.is_initialized()
    told = [(t, tag, e) for t, tag, e, cut in reports if not cut]
    assert len(told) >= 3 and all(0 < e < 20_000 for _, _, e in told)
    for tag in (0, 1):
        epochs = [e for _, t, e in told if t == tag]
        assert epochs == sorted(epochs)
    assert sorted(tag for _, tag, _, cut in reports if cut) == [0, 1]  # each once, at the end
    assert all(cut for *_, cut in reports[-2:])


def test_a_cross_validated_path_on_a_local_ray_runtime_scores_as_on_threads(ray_home):
    """The CV estimators take a sweep's executors: on Ray, each alpha x fold model is the one threads train."""
    import numpy as np

    from reglab.sklearn import MLPClassifierCV

    moons = data.moons(n=80)
    common = {"hidden_layer_sizes": (8,), "alphas": [1e-4, 1e-2], "cv": 2, "max_iter": 20,
              "learning_rate_init": 0.01, "random_state": 0}
    on_ray = MLPClassifierCV(**common, executor="ray").fit(moons.X, moons.y)
    on_threads = MLPClassifierCV(**common, executor="threads").fit(moons.X, moons.y)
    np.testing.assert_array_equal(on_ray.scores_, on_threads.scores_)
    np.testing.assert_array_equal(on_ray.train_scores_, on_threads.train_scores_)
    assert on_ray.alpha_ == on_threads.alpha_
