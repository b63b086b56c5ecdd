"""The run's jail (autograder/grade/jail.py) on its own: keys a killed run left under its uid block are cleared when
the next run takes the block."""

from __future__ import annotations

import ctypes
import os

import pytest

from autograder.grade import jail

pytestmark = pytest.mark.skipif(os.geteuid() != 0 or os.uname().machine != "x86_64",
                                reason="uids and keyrings need root (as in CI); the key syscalls are x86_64's")
_libc = ctypes.CDLL(None, use_errno=True)
_libc.syscall.restype = ctypes.c_long
ADD_KEY, KEYCTL, KEYCTL_SEARCH, USER_KEYRING = 248, 250, 10, -4


def _as(uid: int, action: str) -> bool:
    """In a child become `uid` and add (or look for) a key named lmcourse-left in its user keyring."""
    pid = os.fork()
    if pid == 0:
        os.setgid(uid)
        os.setuid(uid)
        if action == "add":
            ok = _libc.syscall(ADD_KEY, b"user", b"lmcourse-left", b"secret", 6, ctypes.c_long(USER_KEYRING)) > 0
        else:
            ok = _libc.syscall(KEYCTL, KEYCTL_SEARCH, ctypes.c_long(USER_KEYRING), b"user", b"lmcourse-left", 0) > 0
        os._exit(0 if ok else 1)
    return os.waitpid(pid, 0)[1] == 0


def test_jail_clears_the_keys_a_killed_run_left_in_its_uid_block() -> None:
    base = 3_300_000 + (os.getpid() % 10_000) * 64
    uids = range(base, base + 3)
    for uid in (uids[0], uids[2]):
        assert _as(uid, "add") and _as(uid, "find")
    jail._clear_keys(uids)
    assert not any(_as(uid, "find") for uid in uids)
    assert os.getuid() == 0 and os.geteuid() == 0  # the grader itself never changed uid
