import pytest

from reglab import data


@pytest.fixture(scope="session")
def seed_split():
    """The lecture's data and Keras split: make_moons(100, noise=0.25, random_state=2), last 20% validates."""
    return data.split(data.moons())
