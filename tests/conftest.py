import inspect
import os
import shutil
import tempfile

import pytest

# Every test, and every process a test starts, uses a cache of its own (never the user's ~/.cache/reglab): set
# before reglab's engine sets JAX's compilation cache from it. The suite thus starts cold; tests of the warm path
# say so and warm it themselves.
# Under pytest-xdist the workers share the cache their controller made (they inherit its environment): a program
# one worker compiled, the other loads; the controller removes it at the end.
_WORKER = "PYTEST_XDIST_WORKER" in os.environ
_CACHE = os.environ["REGLAB_CACHE_DIR"] if _WORKER else tempfile.mkdtemp(prefix="reglab-test-cache-")
os.environ["REGLAB_CACHE_DIR"] = _CACHE

from reglab import data  # noqa: E402

BROWSER = {"page", "context", "browser"}  # pytest-playwright's fixtures


def pytest_collection_modifyitems(items):
    """The slow tier, which ``pytest -m "not slow"`` leaves out for the edit-test loop: a test that opens a browser,
    starts a Ray runtime or a process (itself, or through a helper of its module), or is marked slow (a long run)."""
    spawning = {}
    for item in items:
        module = item.module
        if module not in spawning:
            spawning[module] = {name for name, f in vars(module).items() if inspect.isfunction(f)
                                and f.__module__ == module.__name__ and "subprocess." in inspect.getsource(f)}
        source = inspect.getsource(item.function)
        if BROWSER & set(item.fixturenames) or item.get_closest_marker("xdist_group") or "subprocess." in source \
                or any(f"{name}(" in source for name in spawning[module]):
            item.add_marker(pytest.mark.slow)


def pytest_sessionfinish(session, exitstatus):
    if not _WORKER:
        shutil.rmtree(_CACHE, ignore_errors=True)


@pytest.fixture
def fresh_programs(monkeypatch):
    """The runner as a new process has it: no program in memory (one compiled before comes back from the disk
    caches, and counts as compiled), so a test's compile counts do not depend on the tests its worker ran before."""
    from reglab.engine import runner

    monkeypatch.setattr(runner, "_COMPILED", runner._Compiled())
    monkeypatch.setattr(runner, "_ORDERS", {})


@pytest.fixture(scope="session")
def seed_split():
    """The lecture's data and Keras split: make_moons(100, noise=0.25, random_state=2), last 20% validates."""
    return data.split(data.moons())


CHROMIUM = "/usr/lib/chromium/chromium"  # Debian's chromium package (.ci/run installs it)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """pytest-playwright's Chromium is Debian's: Playwright's own download is not used."""
    if not os.path.exists(CHROMIUM):
        pytest.fail("the page's tests need Debian's chromium: apt-get install -y chromium (.ci/run does)")
    return {**browser_type_launch_args, "executable_path": CHROMIUM}


@pytest.fixture(scope="session")
def explore_url():
    """``reglab explore``'s app served by uvicorn on a free loopback port, in a thread, for the session."""
    import socket
    import threading
    import time

    import uvicorn

    from reglab.explore.server import make_app

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(make_app(), log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.02)
    yield f"http://127.0.0.1:{sock.getsockname()[1]}/"
    server.should_exit = True
    thread.join(30)
