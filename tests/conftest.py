import os
import shutil
import tempfile

import pytest

# Every test, and every process a test starts, uses a cache of its own (never the user's ~/.cache/reglab): set
# before reglab's engine sets JAX's compilation cache from it. The suite thus starts cold; tests of the warm path
# say so and warm it themselves.
_CACHE = tempfile.mkdtemp(prefix="reglab-test-cache-")
os.environ["REGLAB_CACHE_DIR"] = _CACHE

from reglab import data  # noqa: E402


def pytest_sessionfinish(session, exitstatus):
    shutil.rmtree(_CACHE, ignore_errors=True)


@pytest.fixture(scope="session")
def seed_split():
    """The lecture's data and Keras split: make_moons(100, noise=0.25, random_state=2), last 20% validates."""
    return data.split(data.moons())
