"""xl-claims: the after-sales refund policy of a collectible-figure shop, as Excel functions,
a weekly batch over claim workbooks and a reconciliation report."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("xl-claims")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0+unknown"
