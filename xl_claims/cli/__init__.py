"""The ``xl-claims`` command line (entry point ``xl_claims.cli:main``).

Each module registers one family of commands on the group in ``app``: ``decide`` (refund,
decide), ``policy``, ``process``, ``reconcile``, ``excel`` (template, lite), ``ledger``.
"""

from xl_claims.cli import decide, excel, ledger, policy, process, reconcile
from xl_claims.cli.app import main

__all__ = ["decide", "excel", "ledger", "main", "policy", "process", "reconcile"]
