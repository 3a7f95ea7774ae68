"""The ledger file: what it must look like, how it is created, opened and migrated.

A ledger is a SQLite database (the standard library's ``sqlite3``) in WAL mode, marked with our
``application_id`` and a schema version in ``user_version``. A file that is not one, is damaged or
was written by a newer xl-claims is refused with a message naming it: it is never recreated, since
it holds the history of money paid out.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import tempfile
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

from xl_claims.core.errors import (
    LedgerBusyError,
    LedgerCorruptError,
    LedgerError,
    LedgerVersionError,
)

#: The environment variable that names the ledger when ``--ledger`` is not given.
LEDGER_ENV_VAR = "XL_CLAIMS_LEDGER"
#: "XCLG": tells an xl-claims ledger from any other SQLite file.
APPLICATION_ID = 0x58434C47
#: How long a second run waits for the one holding the ledger before giving up (seconds).
WAIT_SECONDS = 10.0
#: SQLite's page cache (KiB): the index pages a run writes stay in memory, within the batch's
#: memory target.
CACHE_KIB = 16384
#: The WAL file is cut back to this size after a checkpoint (a run of a million lines grows it).
WAL_LIMIT_BYTES = 64 << 20
_MAGIC = b"SQLite format 3\x00"

#: Numbered migrations: ``MIGRATIONS[n]`` takes a version n-1 file to version n. Never edit a
#: shipped step; add the next number.
#:
#: A line is a row of ``lines`` (where it is, its claim id, order and date, whether it counts)
#: and a row of ``decisions`` (what was decided: status, refund, rule, explanation...), which
#: the many lines decided alike share: a million lines are a million short rows, not a million
#: copies of the same explanation. Indexes: only those a look-up needs (``lines_by_key`` for
#: the cross-run rule and ``ledger show``, ``inputs_by_sha256`` for the same file again); a
#: file's lines are one range of line ids (``inputs.first_line``, ``last_line``), since a run
#: records its inputs one after the other under the write lock.
MIGRATIONS: dict[int, tuple[str, ...]] = {
    1: (
        """CREATE TABLE runs (
            id INTEGER PRIMARY KEY,
            started_at TEXT NOT NULL,          -- UTC, ISO-8601
            finished_at TEXT,
            tool_version TEXT NOT NULL,
            policy_versions TEXT NOT NULL,     -- JSON list
            options TEXT NOT NULL,             -- JSON object: the command's options
            lines INTEGER NOT NULL DEFAULT 0,
            refund_total TEXT NOT NULL DEFAULT '0.00',  -- exact Decimal of the counted lines
            duplicates INTEGER NOT NULL DEFAULT 0,  -- lines the ledger made DUPLICATE
            changes INTEGER NOT NULL DEFAULT 0,     -- lines the ledger made REVIEW (changed)
            voided_at TEXT,
            void_reason TEXT
        ) STRICT""",
        """CREATE TABLE inputs (
            id INTEGER PRIMARY KEY,
            run_id INTEGER NOT NULL REFERENCES runs(id),
            name TEXT NOT NULL,
            path TEXT NOT NULL,
            sha256 TEXT,
            sheet TEXT,
            recorded_in INTEGER REFERENCES runs(id),  -- the same file was recorded in that run
            first_line INTEGER,                -- its lines are ids first_line..last_line
            last_line INTEGER,                 -- (NULL: none kept)
            error TEXT
        ) STRICT""",
        "CREATE INDEX inputs_by_sha256 ON inputs(sha256)",
        """CREATE TABLE decisions (
            id INTEGER PRIMARY KEY,
            issue TEXT,
            part TEXT,
            part_key TEXT NOT NULL,            -- the duplicate rule's part key
            grade TEXT,
            resolution TEXT,
            status TEXT NOT NULL,
            refund TEXT,                       -- exact Decimal text, never REAL
            currency TEXT NOT NULL,
            rule TEXT NOT NULL,
            policy_version TEXT NOT NULL,
            explanation TEXT NOT NULL
        ) STRICT""",
        """CREATE TABLE lines (
            id INTEGER PRIMARY KEY,
            input_id INTEGER NOT NULL REFERENCES inputs(id),
            row INTEGER NOT NULL,
            claim_id TEXT,
            claim_key TEXT,                    -- id_key(claim_id): NULL = no claim id
            order_id TEXT,
            claim_date TEXT,                   -- ISO date
            decision_id INTEGER NOT NULL REFERENCES decisions(id),
            counts INTEGER NOT NULL,           -- 1: the line that counts for its claim and part
            earlier_line INTEGER REFERENCES lines(id)
        ) STRICT""",
        "CREATE INDEX lines_by_key ON lines(claim_key) WHERE claim_key IS NOT NULL",
    ),
}
SCHEMA_VERSION = max(MIGRATIONS)


def check_file(path: Path) -> None:
    """Refuse, from its bytes, a file that cannot be a whole ledger (empty, not SQLite, cut
    short): SQLite itself would only notice when a missing page is read, mid-run."""
    size = path.stat().st_size
    if size == 0:
        raise LedgerCorruptError(
            f"Ledger {path} is empty (0 bytes), so it is not a ledger: restore it from a backup, "
            "or give a new file name to start a new ledger."
        )
    with open(path, "rb") as handle:
        header = handle.read(100)
    if not header.startswith(_MAGIC):
        raise LedgerCorruptError(
            f"Ledger {path} is not an xl-claims ledger (not a SQLite database); check the path."
        )
    if len(header) < 100:
        raise _damaged(path, "its header is cut short")
    page_size = int.from_bytes(header[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    pages = int.from_bytes(header[28:32], "big")
    # the page count in the header is valid when the change counter matches "version valid for"
    expected = pages * page_size if header[24:28] == header[92:96] else 0
    if page_size < 512 or size % page_size or size < expected:
        raise _damaged(path, f"it is cut short: {size} bytes, {expected} expected")


def _damaged(path: Path, what: str) -> LedgerCorruptError:
    return LedgerCorruptError(
        f"Ledger {path} is damaged ({what}): restore it from a backup; xl-claims never recreates "
        "a ledger."
    )


def connect(path: Path, wait: float) -> sqlite3.Connection:
    """An autocommit connection (transactions are explicit) that never creates the file."""
    uri = f"file:{quote(str(path.resolve()))}?mode=rw"
    connection = sqlite3.connect(uri, uri=True, timeout=wait, isolation_level=None)
    connection.execute(f"PRAGMA busy_timeout = {int(wait * 1000)}")
    # The REFERENCES are kept by the code that writes, not enforced row by row (enforcing them
    # costs a tenth of the time a million lines take to record); test_ledger_batch runs
    # ``PRAGMA foreign_key_check`` after runs of every kind.
    connection.execute("PRAGMA foreign_keys = OFF")
    # WAL with NORMAL: a commit survives the program's crash or kill -9; a power cut or an
    # operating-system crash may lose the last committed run (never corrupt the file). One
    # commit per run makes FULL's extra sync cheap, but not the syncs of the checkpoints.
    connection.execute("PRAGMA synchronous = NORMAL")
    connection.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
    connection.execute(f"PRAGMA journal_size_limit = {WAL_LIMIT_BYTES}")
    return connection


def create_ledger(path: Path) -> None:
    """Build a new ledger beside ``path`` and link it into place: another process never sees a
    half-made file, and an existing file (made meanwhile) is never replaced. Only in a folder
    that exists: a mistyped folder must not start an empty ledger that knows no earlier run."""
    if not path.parent.is_dir():
        raise LedgerError(
            f"Ledger {path}: the folder {path.parent} does not exist; check the path (a new "
            "ledger is created only in an existing folder)."
        )
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".new", dir=path.parent)
    os.close(handle)
    os.unlink(temporary)  # sqlite creates it, with the umask's permissions
    try:
        connection = sqlite3.connect(temporary, isolation_level=None)
        try:
            connection.execute("PRAGMA journal_mode = WAL")
            connection.execute("BEGIN IMMEDIATE")
            migrate(connection, 0)
            connection.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            connection.execute("COMMIT")
        finally:
            connection.close()
        try:
            os.link(temporary, path)
        except FileExistsError:
            pass  # made meanwhile by another run: open that one
        except OSError:  # a file system without hard links
            if not path.exists():
                os.replace(temporary, path)
    finally:
        for leftover in (temporary, f"{temporary}-wal", f"{temporary}-shm"):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(leftover)


def migrate(connection: sqlite3.Connection, version: int) -> None:
    """Apply the numbered steps after ``version``, inside the caller's write transaction."""
    for number in range(version + 1, SCHEMA_VERSION + 1):
        for statement in MIGRATIONS[number]:
            connection.execute(statement)
        connection.execute(f"PRAGMA user_version = {number}")


def open_connection(path: str | os.PathLike, *, create: bool, wait: float) -> sqlite3.Connection:
    """Open (and when ``create``, create) the ledger; check what it is; bring it up to date."""
    path = Path(path)
    if not path.exists():
        if not create:
            raise LedgerError(f"Ledger {path} does not exist; check the path.")
        create_ledger(path)
    check_file(path)
    connection = connect(path, wait)
    try:
        with translate_errors(path, wait):
            version = _check_identity(connection, path)
            if version < SCHEMA_VERSION:
                connection.execute("BEGIN IMMEDIATE")
                try:
                    migrate(connection, _check_identity(connection, path))
                    connection.execute("COMMIT")
                except BaseException:
                    connection.execute("ROLLBACK")
                    raise
            connection.execute("PRAGMA journal_mode = WAL")
    except BaseException:
        connection.close()
        raise
    return connection


def _check_identity(connection: sqlite3.Connection, path: Path) -> int:
    application_id = connection.execute("PRAGMA application_id").fetchone()[0]
    version = connection.execute("PRAGMA user_version").fetchone()[0]
    if application_id != APPLICATION_ID:
        raise LedgerCorruptError(
            f"Ledger {path} is a SQLite database but not an xl-claims ledger; check the path."
        )
    if version > SCHEMA_VERSION:
        raise LedgerVersionError(
            f"Ledger {path} was written by a newer xl-claims (schema version {version}; this "
            f"version knows up to {SCHEMA_VERSION}): upgrade xl-claims to use it."
        )
    return version


@contextlib.contextmanager
def translate_errors(path: Path, wait: float) -> Iterator[None]:
    """sqlite3's exceptions → one-line ``LedgerError``s naming the file and what to do."""
    try:
        yield
    except sqlite3.DatabaseError as exc:
        raise ledger_error(exc, path, wait) from None


def ledger_error(exc: sqlite3.DatabaseError, path: Path, wait: float) -> LedgerError:
    """The ``LedgerError`` for one of sqlite3's exceptions."""
    text = str(exc)
    if isinstance(exc, sqlite3.OperationalError):
        if "locked" in text or "busy" in text:
            return LedgerBusyError(
                f"Ledger {path} is in use by another run (waited {wait:g} s); try again when "
                "that run has finished."
            )
        if "malformed" not in text and "not a database" not in text:
            return LedgerError(f"Ledger {path}: {text}.")
    return _damaged(path, text)


__all__ = [
    "APPLICATION_ID",
    "LEDGER_ENV_VAR",
    "MIGRATIONS",
    "SCHEMA_VERSION",
    "WAIT_SECONDS",
    "check_file",
    "create_ledger",
    "ledger_error",
    "open_connection",
    "translate_errors",
]
