"""The engine: column tables (the pupils), time, the law as dated values, regimes as rule sets, behaviour parameters,
random streams, the ledger and the clock. It knows no actor: ``passend.agents`` decide, ``passend.model`` builds a
country and walks its months."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("passend")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0+unknown"
