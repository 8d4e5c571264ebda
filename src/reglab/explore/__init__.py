"""``reglab explore``: a page where the lecture's networks train while a person watches. controls (what a request
may ask), payload (what the page draws), exports (the model taken away), server (the Starlette app), static (the
page itself, plain JavaScript)."""

from importlib.resources import files

STATIC = files("reglab.explore") / "static"  # the page: index.html, explore.js, explore.css
