"""Privileged half of the code sandbox: namespaces, mounts, uid drop, rlimits, timeout, kill.

Run by :func:`bonaware.verifiers.sandbox.run_program` as ``python -I -S -B -c <this file> <spec>``
in a new session, with a scrubbed environment. It is trusted code and never runs candidate code:

1. enters new user/PID/network/IPC/UTS namespaces (mode ``userns``; ``namespaces`` skips the user
   namespace and needs real root; ``none`` enters nothing — docs/security.md §Modes);
2. forks the sandbox init (pid 1 of the new PID namespace), which builds a minimal root file system
   in a private mount namespace (read-only system folders and interpreter, a size-limited tmpfs at
   /tmp, an empty /proc, nothing else of the host) and chroots into it; drops to the sandbox uid/gid
   with no supplementary groups, sets rlimits and no_new_privs, and execs the harness (``harness.py``);
3. waits for it with the wall-clock timeout, SIGKILLs it on expiry (pid 1 dying makes the kernel kill
   every process of the namespace), and writes one JSON report line to the control fd.

Self-contained (the standard library only): it is passed to the interpreter as source text.
"""

import contextlib
import ctypes
import json
import os
import resource
import select
import signal
import sys
import time

CLONE_NEWNS, CLONE_NEWUTS, CLONE_NEWIPC = 0x00020000, 0x04000000, 0x08000000
CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNET = 0x10000000, 0x20000000, 0x40000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 1, 2, 4, 8
MS_BIND, MS_MOVE, MS_REC, MS_PRIVATE = 4096, 8192, 16384, 1 << 18
PR_SET_PDEATHSIG, PR_SET_CHILD_SUBREAPER, PR_SET_NO_NEW_PRIVS = 1, 36, 38
SYS_MOUNT_SETATTR, AT_FDCWD, AT_RECURSIVE, MOUNT_ATTR_RDONLY = 442, -100, 0x8000, 0x1
INSIDE_PYTHON = "/python"  # where the interpreter's prefix is bound inside the sandbox
ROOT_DIRS = ("usr", "bin", "sbin", "lib", "lib32", "lib64", "libx32")
ETC_FILES = ("ld.so.cache", "ld.so.conf", "localtime", "passwd", "group", "nsswitch.conf", "hosts")
DEV_FILES = ("null", "zero", "full", "random", "urandom")

_libc = ctypes.CDLL(None, use_errno=True)
_libc.mount.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_ulong, ctypes.c_char_p]
_libc.prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong]
_libc.syscall.restype = ctypes.c_long


class _MountAttr(ctypes.Structure):
    _fields_ = [("attr_set", ctypes.c_uint64), ("attr_clr", ctypes.c_uint64),
                ("propagation", ctypes.c_uint64), ("userns_fd", ctypes.c_uint64)]


def _check(ret, what):
    if ret != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")


def _b(text):
    return None if text is None else os.fsencode(text)


def _mount(source, target, fstype, flags, data=None):
    _check(_libc.mount(_b(source), _b(target), _b(fstype), flags, _b(data)), f"mount {target}")


def _prctl(option, arg):
    _check(_libc.prctl(option, arg, 0, 0, 0), f"prctl({option})")


def _unshare(flags):
    _check(_libc.unshare(flags), f"unshare({flags:#x})")


def _readonly_tree(path):
    """Make every mount under ``path`` read-only in this mount namespace (mount_setattr, Linux 5.12)."""
    attr = _MountAttr(MOUNT_ATTR_RDONLY, 0, 0, 0)
    ret = _libc.syscall(SYS_MOUNT_SETATTR, AT_FDCWD, _b(path), AT_RECURSIVE, ctypes.byref(attr),
                        ctypes.sizeof(attr))
    _check(ret, f"mount_setattr({path}, RDONLY)")


def _write_id_maps(pid, uid, gid, inside_uid, inside_gid, deny_setgroups):
    if deny_setgroups:  # required before an unprivileged gid_map write
        with open(f"/proc/{pid}/setgroups", "w") as fh:
            fh.write("deny")
    with open(f"/proc/{pid}/uid_map", "w") as fh:
        fh.write(f"{inside_uid} {uid} 1\n")
    with open(f"/proc/{pid}/gid_map", "w") as fh:
        fh.write(f"{inside_gid} {gid} 1\n")


def _enter_user_namespace(spec):
    """Unshare user+PID+net+IPC+UTS namespaces; map only the sandbox uid/gid into the new one.

    Root cannot map another uid into a namespace it has just entered (the map writer needs
    CAP_SETUID in the parent namespace), so a helper forked beforehand writes the maps. uid 0 stays
    unmapped: set-uid-root binaries and root-owned files confer nothing inside.
    """
    flags = CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS
    uid, gid = spec["uid"], spec["gid"]
    if not spec["is_root"]:
        _unshare(flags)
        _write_id_maps("self", uid, gid, uid, gid, deny_setgroups=True)
        return
    me = os.getpid()
    go_r, go_w = os.pipe()
    helper = os.fork()
    if helper == 0:
        code = 1
        try:
            os.close(go_w)
            if os.read(go_r, 1) == b"1":
                _write_id_maps(me, uid, gid, uid, gid, deny_setgroups=False)
                code = 0
        finally:
            os._exit(code)
    os.close(go_r)
    try:
        _unshare(flags)
    except OSError:
        os.write(go_w, b"0")
        os.waitpid(helper, 0)
        raise
    os.write(go_w, b"1")
    os.close(go_w)
    _, status = os.waitpid(helper, 0)
    if status != 0:
        raise OSError(f"could not map uid {uid}/gid {gid} into the user namespace")


def _drop_privileges(uid, gid):
    os.setgroups([])
    os.setresgid(gid, gid, gid)
    os.setresuid(uid, uid, uid)


def _populate(path, source, bind):
    """Recreate ``source`` at ``path``: the same symlink, or a bind mount of the file or folder."""
    if os.path.islink(source):
        os.symlink(os.readlink(source), path)
    elif os.path.isdir(source):
        os.mkdir(path, 0o755)
        if bind:
            _mount(source, path, None, MS_BIND | MS_REC)
    elif os.path.exists(source):
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o644))
        _mount(source, path, None, MS_BIND)


def _minimal_root(spec, prefix_fd):
    """Build the sandbox's whole file system on a fresh tmpfs and chroot into it.

    Read-only: the system folders (``ROOT_DIRS``), a few ``/etc`` files, the null/zero/random
    devices and the interpreter's prefix at /python. Writable: a size-limited tmpfs at /tmp (also
    /var/tmp and /dev/shm). /proc is an empty folder. Nothing else of the host is visible.
    """
    root = "/tmp"  # staging mount point; moved onto / below
    _mount("tmpfs", root, "tmpfs", MS_NOSUID | MS_NODEV, "size=1m,nr_inodes=1024,mode=0755")
    for name in ROOT_DIRS:
        _populate(f"{root}/{name}", f"/{name}", bind=True)
    for folder in ("etc", "dev", "proc", "tmp", "var"):
        os.mkdir(f"{root}/{folder}", 0o755)
    for name in ETC_FILES:
        if os.path.isfile(f"/etc/{name}"):
            _populate(f"{root}/etc/{name}", f"/etc/{name}", bind=True)
    for name in DEV_FILES:
        _populate(f"{root}/dev/{name}", f"/dev/{name}", bind=True)
    os.symlink("/tmp", f"{root}/dev/shm")
    os.symlink("/tmp", f"{root}/var/tmp")
    os.mkdir(f"{root}{INSIDE_PYTHON}", 0o755)
    # Bound through an fd opened before the uid drop: the prefix may sit under a folder (e.g.
    # /root/.pyenv) that the sandbox uid cannot traverse.
    _mount(f"/proc/self/fd/{prefix_fd}", f"{root}{INSIDE_PYTHON}", None, MS_BIND | MS_REC)
    os.close(prefix_fd)
    _readonly_tree(root)
    opts = f"size={spec['tmpfs_mb']}m,nr_inodes=4096,mode=0700,uid={spec['uid']},gid={spec['gid']}"
    _mount("tmpfs", f"{root}/tmp", "tmpfs", MS_NOSUID | MS_NODEV, opts)
    os.chdir(root)
    _mount(root, "/", None, MS_MOVE)
    os.chroot(".")  # the candidate has no capabilities left to chroot again, and no /proc
    os.chdir("/tmp")


def _sandbox_init(spec, alive_r, err_w):
    """The forked child: finish the setup and exec the harness. Never returns."""
    try:
        os.setsid()
        mode, uid, gid = spec["mode"], spec["uid"], spec["gid"]
        if mode != "none":
            _unshare(CLONE_NEWNS)
            _mount(None, "/", None, MS_REC | MS_PRIVATE)  # nothing propagates back to the host
            # opened in the new mount namespace (a bind source must belong to it), as root
            prefix_fd = os.open(spec["prefix"], os.O_PATH | os.O_DIRECTORY)
        if mode == "userns" and spec["is_root"]:
            _drop_privileges(uid, gid)  # keeps the capabilities of the new user namespace
        if mode != "none":
            _minimal_root(spec, prefix_fd)
        else:
            os.chdir(spec["workdir"])
        if spec["is_root"] and mode != "userns":
            _drop_privileges(uid, gid)
        for name, (soft, hard) in spec["rlimits"].items():
            resource.setrlimit(getattr(resource, f"RLIMIT_{name}"), (soft, hard))
        _prctl(PR_SET_NO_NEW_PRIVS, 1)
        _prctl(PR_SET_PDEATHSIG, signal.SIGKILL)  # after the last credential change, which clears it
        if select.select([alive_r], [], [], 0)[0]:  # launcher already gone: EOF on its pipe
            os._exit(126)
        os.execve(spec["exec"], spec["argv"], spec["env"])
    except BaseException as exc:  # noqa: BLE001 - report any setup failure to the launcher
        try:
            os.write(err_w, f"{type(exc).__name__}: {exc}".encode()[:2000])
        finally:
            os._exit(127)


def _wait(pid, timeout):
    """Wait for ``pid`` at most ``timeout`` seconds; SIGKILL it then. Returns (status, rusage, timed_out)."""
    deadline = time.monotonic() + timeout
    try:
        pidfd = os.pidfd_open(pid)
    except (AttributeError, OSError):
        pidfd = None
    timed_out = False
    while True:
        wpid, status, usage = os.wait4(pid, os.WNOHANG)
        if wpid == pid:
            break
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            timed_out = True
            os.kill(pid, signal.SIGKILL)
            _, status, usage = os.wait4(pid, 0)
            break
        if pidfd is not None:
            select.select([pidfd], [], [], remaining)
        else:
            time.sleep(min(remaining, 0.005))
    if pidfd is not None:
        os.close(pidfd)
    return status, usage, timed_out


def _sweep(pgid):
    """Mode ``none``: kill the sandbox's process group and every orphan re-parented to us (subreaper)."""
    with contextlib.suppress(OSError):
        os.killpg(pgid, signal.SIGKILL)
    me = str(os.getpid())
    for _ in range(1000):
        children = []
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    with open(f"/proc/{entry}/stat") as fh:
                        fields = fh.read().rsplit(")", 1)[1].split()
                except OSError:
                    continue
                if fields[1] == me:
                    children.append(int(entry))
        for child in children:
            with contextlib.suppress(OSError):
                os.kill(child, signal.SIGKILL)
        try:
            while os.waitpid(-1, os.WNOHANG)[0] > 0:
                pass
        except ChildProcessError:
            if not children:
                return
        time.sleep(0.001)


def main():
    spec = json.loads(sys.argv[1])
    ctl = spec["ctl_fd"]
    os.set_inheritable(ctl, False)
    report = {"mode": spec["mode"], "setup_error": None, "timed_out": False}
    started = time.monotonic()
    try:
        _prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        if os.getppid() != spec["parent_pid"]:
            raise OSError("parent exited before the sandbox started")
        _prctl(PR_SET_CHILD_SUBREAPER, 1)
        if spec["mode"] == "userns":
            _enter_user_namespace(spec)
        elif spec["mode"] == "namespaces":
            _unshare(CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS)
        alive_r, alive_w = os.pipe()
        err_r, err_w = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(alive_w)
            os.close(err_r)
            _sandbox_init(spec, alive_r, err_w)
        os.close(alive_r)
        os.close(err_w)
        error = b"".join(iter(lambda: os.read(err_r, 4096), b""))  # EOF at exec (CLOEXEC) or exit
        started = time.monotonic()
        if error:
            os.waitpid(pid, 0)
            raise OSError(error.decode(errors="replace"))
        status, usage, timed_out = _wait(pid, spec["timeout"])
        if spec["mode"] == "none":
            _sweep(pid)
        report.update(
            timed_out=timed_out,
            exit_code=os.WEXITSTATUS(status) if os.WIFEXITED(status) else None,
            signal=os.WTERMSIG(status) if os.WIFSIGNALED(status) else None,
            cpu_s=usage.ru_utime + usage.ru_stime,
            max_rss_kb=usage.ru_maxrss,
        )
    except BaseException as exc:  # noqa: BLE001 - every failure becomes a report, not a traceback
        report["setup_error"] = f"{type(exc).__name__}: {exc}"
    report["wall_s"] = time.monotonic() - started
    os.write(ctl, (json.dumps(report) + "\n").encode())
    os._exit(0)


if __name__ == "__main__":
    main()
