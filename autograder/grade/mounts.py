"""What a submission's jail holds: its root file system, built by the supervisor in a fresh mount namespace.

    /                  a private tmpfs (size= and nr_inodes= bounded: file pages and inodes are capped with or
                       without cgroups), owned by the submission's uid, removed with the namespace
    /tmp               the submission's scratch folder (same tmpfs)
    /dev               null, zero, full, random, urandom (the host's device nodes, bind-mounted one by one),
                       shm/ (POSIX shared memory and semaphores, in the same bounded tmpfs), fd, stdin, stdout,
                       stderr (links into /proc/self/fd)
    /proc              a proc of the submission's own PID namespace (mounted by P, which is its PID 1)
    <python dirs>      the standard library, lib-dynload and site-packages, read-only at their own paths
    <interpreter>      sys.executable with every symbolic link on its way, pyvenv.cfg, the ELF interpreter and the
                       shared libraries the warm worker has loaded, read-only, so `subprocess` of sys.executable
                       starts the same Python
    <edition>          the student edition of lmcore and the runtime (see edition.py)

Nothing else of the machine is there: no shell, no compiler, no home folder, no other submission.
"""

from __future__ import annotations

import os
import struct

from . import sandbox

MS_NOSUID, MS_NODEV, MS_NOEXEC, MS_RDONLY = 0x2, 0x4, 0x8, 0x1
MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = 0x20, 0x1000, 0x4000, 1 << 18
DEVICES = ("null", "zero", "full", "random", "urandom")
DEV_LINKS = {"fd": "/proc/self/fd", "stdin": "/proc/self/fd/0", "stdout": "/proc/self/fd/1",
             "stderr": "/proc/self/fd/2"}


def _mount(src: bytes | None, dst: str, fstype: bytes | None, flags: int, data: bytes | None, what: str) -> None:
    sandbox._check(sandbox._libc.mount(src, dst.encode(), fstype, flags, data), what)


def mount_root(path: str, size_mb: int, inodes: int, uid: int) -> None:
    """Make mounts private to this namespace, then mount a fresh tmpfs owned by `uid` at `path`."""
    _mount(b"none", "/", None, MS_REC | MS_PRIVATE, None, "mount --make-rprivate /")
    opts = f"size={size_mb}m,nr_inodes={inodes},mode=0700,uid={uid},gid={uid}".encode()
    _mount(b"tmpfs", path, b"tmpfs", MS_NOSUID | MS_NODEV, opts, f"mount tmpfs {path}")


def bind_readonly(src: str, dst: str) -> None:
    """Make directory or file `src` visible read-only at `dst` (inside the jail)."""
    if os.path.isdir(src):
        os.makedirs(dst, mode=0o755, exist_ok=True)
    else:
        os.makedirs(os.path.dirname(dst), mode=0o755, exist_ok=True)
        os.close(os.open(dst, os.O_CREAT | os.O_WRONLY, 0o644))
    _mount(src.encode(), dst, None, MS_BIND | MS_REC, None, f"bind-mount {src}")
    _mount(None, dst, None, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV, None, f"remount {dst}")


def hide_inside(root: str, names: tuple[str, ...]) -> None:
    """Cover `root/<name>` (a package of ours found in a mounted site-packages) with an empty read-only tmpfs."""
    for name in names:
        path = os.path.join(root, name)
        if os.path.isdir(path) and not os.path.islink(path):
            _mount(b"tmpfs", path, b"tmpfs", MS_NOSUID | MS_NODEV | MS_RDONLY, b"size=4k", f"hide {path}")


def make_dev(root: str, uid: int) -> None:
    """`root`/dev: the harmless device nodes, a shm folder inside the jail's own tmpfs, the fd links."""
    dev = os.path.join(root, "dev")
    os.mkdir(dev, 0o755)
    for name in DEVICES:
        host, inside = f"/dev/{name}", os.path.join(dev, name)
        if not os.path.exists(host):
            continue
        os.close(os.open(inside, os.O_CREAT | os.O_WRONLY, 0o666))
        _mount(host.encode(), inside, None, MS_BIND, None, f"bind-mount {host}")
        _mount(None, inside, None, MS_BIND | MS_REMOUNT | MS_NOSUID | MS_NOEXEC, None, f"remount {inside}")
    shm = os.path.join(dev, "shm")
    os.mkdir(shm)
    os.chmod(shm, 0o1777)
    os.chown(shm, uid, uid)
    for name, target in DEV_LINKS.items():
        os.symlink(target, os.path.join(dev, name))
    os.mkdir(os.path.join(root, "proc"), 0o555)


def mount_proc(root: str) -> None:
    """Mount a proc at `root`/proc; called by P, PID 1 of the fresh PID namespace, so it shows only that namespace."""
    _mount(b"proc", os.path.join(root, "proc"), b"proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, None, "mount proc")


def plan(files: list[str], mounted: list[str]) -> list[tuple[str, str, str]]:
    """What exposing `files` puts in a jail, worked out once per worker: (host path, "link" | "folder" | "file",
    link target), each path once, in order, without what lies inside a folder `mounted` already."""
    seen: set[str] = set()
    out = []
    for f in files:
        for host, kind in reached(f):
            if host in seen or any(host == m or host.startswith(m.rstrip("/") + "/") for m in mounted):
                continue
            seen.add(host)
            out.append((host, kind, os.readlink(host) if kind == "link" else ""))
    return out


def expose(entries: list[tuple[str, str, str]], root: str) -> None:
    """Make the planned host paths reachable under the same names inside `root`: symbolic links recreated (same
    target), folders made, files bind-mounted read-only. Parts already there are left as they are."""
    for host, kind, target in entries:
        inside = root + host
        if os.path.lexists(inside):
            continue
        if kind == "link":
            os.symlink(target, inside)
        elif kind == "folder":
            os.mkdir(inside, 0o755)
        else:
            bind_readonly(host, inside)


def reached(path: str) -> list[tuple[str, str]]:
    """The host paths (each a "link", "folder" or "file") that opening `path` goes through, in order."""
    parts, here, hops, out = [p for p in path.split("/") if p], "", 0, []
    while parts:
        name = parts.pop(0)
        if name == ".":
            continue
        if name == "..":
            here = os.path.dirname(here)
            continue
        host = f"{here}/{name}"
        if os.path.islink(host):
            hops += 1
            if hops > 40:
                raise OSError(f"too many symbolic links in {path}")
            out.append((host, "link"))
            target = os.readlink(host)
            parts = [p for p in target.split("/") if p] + parts
            here = "" if target.startswith("/") else here
        elif parts:
            out.append((host, "folder"))
            here = host
        elif os.path.isfile(host):
            out.append((host, "file"))
    return out


def interpreter_files(executable: str) -> list[str]:
    """What running `executable` needs besides the Python folders: itself, its venv's pyvenv.cfg, its ELF
    interpreter and the shared libraries this (warm) process has mapped."""
    files = [executable]
    cfg = os.path.join(os.path.dirname(os.path.dirname(executable)), "pyvenv.cfg")
    if os.path.isfile(cfg):
        files.append(cfg)
    interp = elf_interpreter(os.path.realpath(executable))
    if interp:
        files.append(interp)
    try:
        with open("/proc/self/maps") as f:
            mapped = {line.split(None, 5)[5].strip() for line in f if len(line.split(None, 5)) == 6}
    except OSError:
        mapped = set()
    libs = sorted(p for p in mapped if p.startswith("/") and ".so" in os.path.basename(p) and os.path.isfile(p))
    files += libs
    for folder in sorted({os.path.dirname(p) for p in libs}):  # the names the loader asks for (libffi.so.8 ->
        try:                                                     # libffi.so.8.1.2) are links beside the files
            links = [e.path for e in os.scandir(folder) if e.is_symlink() and ".so" in e.name]
        except OSError:
            continue
        files += [p for p in links if os.path.realpath(p) in libs]
    return files


def elf_interpreter(binary: str) -> str | None:
    """The PT_INTERP path of a 64-bit little-endian ELF file (the dynamic loader it asks for), or None."""
    try:
        with open(binary, "rb") as f:
            head = f.read(64)
            if head[:4] != b"\x7fELF" or head[4] != 2 or head[5] != 1:
                return None
            phoff, = struct.unpack_from("<Q", head, 32)
            phentsize, phnum = struct.unpack_from("<HH", head, 54)
            f.seek(phoff)
            table = f.read(phentsize * phnum)
            for i in range(phnum):
                p_type, _, p_offset, _, _, p_filesz = struct.unpack_from("<IIQQQQ", table, i * phentsize)
                if p_type == 3:
                    f.seek(p_offset)
                    return f.read(p_filesz).rstrip(b"\0").decode()
    except (OSError, struct.error, UnicodeDecodeError):
        return None
    return None
