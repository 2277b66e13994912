"""Files only their owner may read, private from the first byte.

Writing a secret and then making it 0600 leaves a moment in which anyone on the machine
may open it (and keep the descriptor); so does letting SQLite create a database under
the usual umask, and its WAL and shared-memory files take the database's mode. Here the
mode is given when the file is created.
"""

import os
from pathlib import Path

MODE = 0o600


def write_private(path: Path, text: str, *, overwrite: bool = False) -> None:
    """Write `text` to `path`, readable by its owner only; an existing file is an error
    (FileExistsError) unless `overwrite`, and is then made private before it is written."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    flags = os.O_WRONLY | os.O_CREAT | os.O_CLOEXEC | (os.O_TRUNC if overwrite else os.O_EXCL)
    fd = os.open(path, flags, MODE)
    try:
        os.fchmod(fd, MODE)  # an overwritten file keeps its old mode otherwise
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            fd = -1
            out.write(text)
    finally:
        if fd >= 0:
            os.close(fd)


def create_private(path: Path) -> None:
    """Create `path` empty and private if it does not exist yet (a database to be)."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, MODE)
    except FileExistsError:
        return
    os.close(fd)
