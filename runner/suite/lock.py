"""One suite run per output folder: an exclusive, non-blocking flock on OUT/.lock, held
for the life of the run (the kernel drops it when the process ends, however it ends).
The holder writes its pid into the file so a refused run can name it."""
from __future__ import annotations

import fcntl
import os
import time
from pathlib import Path

LOCK_NAME = ".lock"


class FolderBusy(Exception):
    """Another process holds the folder's lock."""

    def __init__(self, folder: Path, pid: int | None):
        self.folder, self.pid = folder, pid
        who = f"pid {pid}" if pid else "a process whose pid it has not written yet"
        super().__init__(f"{folder} is in use by another suite run ({who}); "
                         f"wait for it to finish or give another --out")


class FolderLock:
    """Holds OUT/.lock until release() (or the process's end)."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.path = folder / LOCK_NAME
        self.fd: int | None = None

    def acquire(self) -> "FolderLock":
        """Takes the lock or raises FolderBusy at once (never waits)."""
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise FolderBusy(self.folder, _holder(self.path)) from None
        except BaseException:
            os.close(fd)
            raise
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        self.fd = fd
        return self

    def release(self) -> None:
        if self.fd is not None:
            os.ftruncate(self.fd, 0)  # the pid of a finished run would mislead
            os.close(self.fd)  # closing drops the flock
            self.fd = None

    def __enter__(self) -> "FolderLock":
        return self.acquire()

    def __exit__(self, *exc) -> None:
        self.release()


def _holder(path: Path, wait_s: float = 1.0) -> int | None:
    """The pid in the lock file; the holder writes it just after locking, so an empty
    file is read again for a moment."""
    deadline = time.monotonic() + wait_s
    while True:
        try:
            text = path.read_text().strip()
        except OSError:
            text = ""
        if text.isdigit():
            return int(text)
        if time.monotonic() >= deadline:
            return None
        time.sleep(0.02)
