"""``python -m xl_claims``: the same as the ``xl-claims`` command."""

from xl_claims.cli import main

main()
