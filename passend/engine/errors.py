"""Errors that name what was wrong, so a user can fix their input without reading the code."""


class ConfigError(ValueError):
    """Invalid input: names the field, the value given and what is allowed.

    Args:
        field: the option, key or parameter (e.g. ``--scale`` or ``behaviour.cvi_noise``).
        value: what was given.
        allowed: what is allowed, in words a user understands.
        where: optional file the value came from.
    """

    def __init__(self, field: str, value: object, allowed: str, where: str | None = None):
        self.field, self.value, self.allowed, self.where = field, value, allowed, where
        place = f"{where}: " if where else ""
        super().__init__(f"{place}{field} = {value!r} is not allowed; allowed: {allowed}")
