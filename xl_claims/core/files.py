"""Files xl-claims writes and reads whole: one atomic write, one SHA-256.

Every output (processed workbooks, summaries, reports, templates, Lite files, ledger exports) is
written by ``write_atomic``: to a temporary file in the target's folder, then renamed over the
target, so a reader never sees half a file and a failure leaves the old file as it was. A new
file gets the permissions the user's umask gives (0644 under 022), not ``mkstemp``'s 0600; a file
replaced in place keeps its mode, so colleagues on a shared folder keep their access.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import stat
import tempfile
from collections.abc import Callable
from pathlib import Path

from xl_claims.core.errors import OutputError, OutputExistsError

#: The temporary files' suffix; ``.<name>.<pid>.<random>`` before it, so that a file left by a
#: killed run can be recognised (its process is gone) and removed by the next write.
TEMP_SUFFIX = ".xl-claims-tmp"
_CAUSES = {
    errno.EACCES: "permission denied (the folder is not writable for you)",
    errno.EPERM: "permission denied",
    errno.EROFS: "the folder is on a read-only file system",
    errno.ENOSPC: "the disk is full",
    errno.EDQUOT: "the disk quota is exceeded",
    errno.ENOENT: "the folder does not exist",
    errno.ENOTDIR: "a part of the path is a file, not a folder",
    errno.EISDIR: "it is a folder",
}


def file_sha256(path: str | os.PathLike) -> str:
    """The file's SHA-256, read in blocks: the audit trail names exactly which file was read."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def output_problem(target: str | os.PathLike, exc: OSError) -> OutputError:
    """The one-line error for an output that cannot be written: the file and the real cause."""
    cause = _CAUSES.get(exc.errno or 0) or (exc.strerror or str(exc)).lower()
    return OutputError(f"{target}: cannot write it: {cause}.")


def refuse_existing(target: str | os.PathLike, force: bool, option: str = "--force") -> None:
    """No existing file is replaced unless the user says so (``OutputExistsError``)."""
    path = Path(target)
    if path.exists() and not force:
        raise OutputExistsError(f"{path}: the file exists; give {option} to replace it.")


def write_atomic(target: str | os.PathLike, write: Callable[[Path], object]) -> Path:
    """Call ``write(temporary_path)``, then move the file over ``target`` in one rename.

    An ``OSError`` becomes an ``OutputError`` naming the target and the cause; the temporary file
    is removed on any failure. Temporary files that earlier, killed runs left for this target
    are removed first.
    """
    target = Path(target)
    folder = target.parent
    remove_stale_temporaries(target)
    try:
        mode = stat.S_IMODE(target.stat().st_mode) if target.exists() else _new_file_mode()
        handle, name = tempfile.mkstemp(
            prefix=f".{target.name}.{os.getpid()}.", suffix=TEMP_SUFFIX, dir=folder
        )
    except OSError as exc:
        raise output_problem(target, exc) from None
    os.close(handle)
    temporary = Path(name)
    try:
        write(temporary)
        os.chmod(temporary, mode)
        os.replace(temporary, target)
    except OSError as exc:
        raise output_problem(target, exc) from None
    finally:
        with contextlib.suppress(OSError):
            temporary.unlink(missing_ok=True)
    return target


def write_text_atomic(target: str | os.PathLike, text: str) -> Path:
    """A text file (UTF-8, LF line ends) written by ``write_atomic``."""
    return write_atomic(target, lambda path: path.write_text(text, encoding="utf-8", newline="\n"))


def remove_stale_temporaries(target: Path) -> None:
    """Remove ``write_atomic`` temporaries of ``target`` whose writing process no longer runs."""
    with contextlib.suppress(OSError):
        for leftover in target.parent.glob(f".{glob_escape(target.name)}.*{TEMP_SUFFIX}"):
            pid_text = leftover.name[len(target.name) + 2 :].split(".", 1)[0]
            if pid_text.isdigit() and not _running(int(pid_text)):
                leftover.unlink(missing_ok=True)


def glob_escape(text: str) -> str:
    """``text`` with glob's special characters taken literally."""
    return "".join(f"[{c}]" if c in "*?[" else c for c in text)


def _running(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _new_file_mode() -> int:
    """0666 less the process's umask: what ``open()`` would give a new file."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask
