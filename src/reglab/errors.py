"""The one error type for bad input: a single line naming the field, the value and what is allowed."""


class ReglabError(ValueError):
    """Bad input from a user: a spec, a CSV file, a CLI flag or an API argument.

    The message is one line: ``field: got VALUE; allowed: WHAT``. The CLI prints it and exits with code 2.
    """

    def __init__(self, field: str, value, allowed: str):
        self.field, self.value, self.allowed = field, value, allowed
        super().__init__(f"{field}: got {value!r}; allowed: {allowed}")
