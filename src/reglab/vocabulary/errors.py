"""The one error type for bad input: a single line naming the field, the value and what is allowed."""


class ReglabError(ValueError):
    """Bad input from a user: a spec, a CSV file, a CLI flag or an API argument.

    The message is one line: ``field: got VALUE; allowed: WHAT``. The CLI prints it and exits with code 2.
    """

    def __init__(self, field: str, value, allowed: str):
        self.field, self.value, self.allowed = field, plain(value), allowed
        super().__init__(f"{field}: got {self.value!r}; allowed: {allowed}")


def plain(value):
    """``value`` as a user wrote it: NumPy scalars and arrays as Python's numbers and lists (``0``, not
    ``np.int64(0)``), in lists and tuples too."""
    if isinstance(value, (list, tuple)):
        return type(value)(plain(v) for v in value)
    if type(value).__module__ == "numpy" and hasattr(value, "tolist"):
        return value.tolist()
    return value
