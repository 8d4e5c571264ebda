"""``reglab explore``: a page where the lecture's networks train while a person watches. controls (what a request
may ask), payload (what the page draws), exports (the model taken away), server (the Starlette app), static_page
(the page saved with its models), widget (the page in a notebook), static (the page itself, plain JavaScript).

In a notebook ``reglab.explore(data, **settings)`` returns the page as a widget: this package can be called."""

import sys
import types
from importlib.resources import files

STATIC = files("reglab.explore") / "static"  # the page: index.html, explore.js, explore.css; widget.js


class _Callable(types.ModuleType):
    def __call__(self, data=None, **settings):
        from .widget import explore

        return explore(data, **settings)


sys.modules[__name__].__class__ = _Callable
