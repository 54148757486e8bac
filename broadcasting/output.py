"""Where the tool writes a file, and how: never damaging what is there.

The policy (``rewrite -o``/``--in-place``, and every file a command writes):

- the path is resolved to an absolute one *before* the user's program runs (a program that
  changes directory cannot move it);
- a symlink is followed: its target is rewritten and the link stays a link;
- anything but a regular file or a new name in an existing, writable folder is refused with
  one line (exit 2): a device (``/dev/full``), a FIFO, a socket, a folder, a missing folder,
  a read-only file;
- the text goes to a temporary file in the target's folder, is flushed and ``fsync``-ed, gets
  the mode of the file it replaces (a new file: ``0o666`` less the user's umask), and is renamed
  over the target in one step; on any failure the temporary file is removed and the target is
  untouched.

>>> import os, tempfile
>>> folder = tempfile.mkdtemp()
>>> target = resolve_output(os.path.join(folder, "out.py"))
>>> write_output(target, "x = 1\\n")
>>> open(target.path).read()
'x = 1\\n'
"""
from __future__ import annotations

import os
import stat
import tempfile
from dataclasses import dataclass

from .errors import UsageError

__all__ = ["OutputTarget", "resolve_output", "write_output", "new_file_mode"]


@dataclass(frozen=True)
class OutputTarget:
    """A resolved place to write: the absolute path of the regular file (a symlink's target)
    and the name the user gave."""

    path: str
    given: str
    exists: bool

    def __repr__(self) -> str:
        return f"<OutputTarget {self.path}{'' if self.exists else ' (new)'}>"


_KINDS = ((stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
          (stat.S_ISFIFO, "a FIFO"), (stat.S_ISSOCK, "a socket"), (stat.S_ISDIR, "a folder"))


def resolve_output(given: str, option: str = "-o") -> OutputTarget:
    """The absolute path to write ``given`` to (its target, for a symlink); ``UsageError``
    for what cannot or must not be replaced by a regular file."""
    path = os.path.realpath(os.path.abspath(given))
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return _new_file(given, path, option)
    except OSError as err:
        raise UsageError(f"{option} {given}: {err.strerror}; give a path to a regular file") from None
    for test, kind in _KINDS:
        if test(st.st_mode):
            raise UsageError(f"{option} {given}: is {kind}, not a regular file; the tool writes "
                             f"regular files only (omit {option} to print to stdout)")
    if not _writable(path, st.st_mode):
        raise UsageError(f"{option} {given}: the file is read-only; make it writable or give "
                         f"another path")
    if not _writable(os.path.dirname(path)):
        raise UsageError(f"{option} {given}: its folder is not writable (the file is replaced "
                         f"by a rename there); give a path in a writable folder")
    return OutputTarget(path, given, True)


def _new_file(given: str, path: str, option: str) -> OutputTarget:
    folder = os.path.dirname(path)
    if not os.path.isdir(folder):
        raise UsageError(f"{option} {given}: the folder {folder} does not exist; create it first "
                         f"or give a path in an existing folder")
    if not _writable(folder):
        raise UsageError(f"{option} {given}: the folder {folder} is not writable; give a path "
                         f"in a writable folder")
    return OutputTarget(path, given, False)


def _writable(path: str, mode: int | None = None) -> bool:
    """Writable by this user, and not marked read-only (root may write anything: a file
    without any write bit is still one the user asked to keep)."""
    mode = os.stat(path).st_mode if mode is None else mode
    return os.access(path, os.W_OK) and bool(mode & 0o222)


def write_output(target: OutputTarget, text: str, encoding: str = "utf-8") -> None:
    """Write ``text`` (in ``encoding``, newlines as given) to ``target`` atomically."""
    folder, name = os.path.split(target.path)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=folder)
    except OSError as err:
        raise UsageError(f"cannot write {target.given}: {err.strerror or err}") from None
    try:
        with os.fdopen(fd, "w", encoding=encoding, newline="") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, _mode(target))
        os.replace(tmp, target.path)
    except BaseException as err:
        if os.path.exists(tmp):
            os.unlink(tmp)
        if isinstance(err, OSError):
            raise UsageError(f"cannot write {target.given}: {err.strerror or err}") from None
        raise


def _mode(target: OutputTarget) -> int:
    try:
        return stat.S_IMODE(os.stat(target.path).st_mode)
    except FileNotFoundError:
        return new_file_mode()


def new_file_mode() -> int:
    """The mode a new file gets: ``0o666`` less the user's umask."""
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask
