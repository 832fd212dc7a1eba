"""The simulation engine: the Mesa model, time, the pupil arrays, legislation and behaviour parameters."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("passend")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0+unknown"
