"""Privileged half of the code sandbox: a fork server that gives every program a fresh isolated process.

Started once per worker by ``runner.py`` as ``<python> -I -S -B`` with a scrubbed environment; it
never runs program code itself and never receives tests (so nothing about them can linger in the
memory its children inherit). Set-up, once (mode ``userns``; ``namespaces`` skips the user
namespace and needs real root; ``none`` enters nothing — docs/security.md §Modes):

1. new user (only the sandbox uid/gid mapped), network, IPC and UTS namespaces;
2. a private mount namespace holding a minimal root — read-only system folders, a few ``/etc``
   files, the null/zero/random devices, the interpreter's prefix at its own path, an empty
   ``/proc`` — entered with ``chroot``; the common modules are imported.

Per program (a ``run`` request on the control socket, carrying the channel socket to the judge and
a report socket to the library): fork a *monitor* that enters new PID, mount, IPC and UTS
namespaces, mounts a fresh ``noexec,nosuid,nodev`` tmpfs at ``/tmp``, and forks the *program
process* (pid 1 of the new PID namespace). That process drops to the sandbox uid/gid with no
groups and **no capabilities**, sets rlimits, ``no_new_privs`` and a parent-death signal, closes
every file descriptor but the channel, optionally installs an audit hook, and runs
``candidate.serve``. The monitor enforces the CPU budget (polling the process's CPU clock; RLIMIT_CPU
as a per-process backstop) and the wall-clock backstop, kills pid 1 — and with it every process of
the namespace — when either fires or the library asks, and reports one JSON line.
"""

import contextlib
import ctypes
import fcntl
import json
import os
import resource
import select
import signal
import socket
import sys
import tempfile
import time

import bonaware_sandbox_candidate as candidate
import bonaware_sandbox_wire as wire

CLONE_NEWNS, CLONE_NEWUTS, CLONE_NEWIPC = 0x00020000, 0x04000000, 0x08000000
CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNET = 0x10000000, 0x20000000, 0x40000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 1, 2, 4, 8
MS_BIND, MS_MOVE, MS_REC, MS_PRIVATE = 4096, 8192, 16384, 1 << 18
PR_SET_PDEATHSIG, PR_SET_DUMPABLE, PR_SET_NAME, PR_CAPBSET_DROP = 1, 4, 15, 24
PR_SET_CHILD_SUBREAPER, PR_SET_NO_NEW_PRIVS = 36, 38
PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL = 47, 4
SYS_MOUNT_SETATTR, AT_FDCWD, AT_RECURSIVE, MOUNT_ATTR_RDONLY = 442, -100, 0x8000, 0x1
LINUX_CAPABILITY_VERSION_3 = 0x20080522
ROOT_DIRS = ("usr", "bin", "sbin", "lib", "lib32", "lib64", "libx32")
ETC_FILES = ("ld.so.cache", "ld.so.conf", "localtime", "passwd", "group", "nsswitch.conf", "hosts")
DEV_FILES = ("null", "zero", "full", "random", "urandom")
PRELOAD = ["threading", "types", "typing", "collections", "functools", "itertools", "math", "re", "string",
           "heapq", "bisect", "copy", "random", "operator", "statistics", "fractions", "decimal", "datetime",
           "hashlib", "json", "cmath", "array", "dataclasses", "enum", "abc", "numbers", "inspect"]
CHANNEL_FD = 3

_libc = ctypes.CDLL(None, use_errno=True)
_libc.mount.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_ulong, ctypes.c_char_p]
_libc.prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong]
_libc.syscall.restype = ctypes.c_long


class _MountAttr(ctypes.Structure):
    _fields_ = [("attr_set", ctypes.c_uint64), ("attr_clr", ctypes.c_uint64),
                ("propagation", ctypes.c_uint64), ("userns_fd", ctypes.c_uint64)]


class _CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _CapData(ctypes.Structure):
    _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32), ("inheritable", ctypes.c_uint32)]


def _check(ret, what):
    if ret != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")


def _b(text):
    return None if text is None else os.fsencode(text)


def _mount(source, target, fstype, flags, data=None):
    _check(_libc.mount(_b(source), _b(target), _b(fstype), flags, _b(data)), f"mount {target}")


def _prctl(option, arg, arg2=0):
    _check(_libc.prctl(option, arg, arg2, 0, 0), f"prctl({option})")


def _unshare(flags):
    _check(_libc.unshare(flags), f"unshare({flags:#x})")


def _readonly_tree(path):
    """Make every mount under ``path`` read-only in this mount namespace (mount_setattr, Linux 5.12)."""
    attr = _MountAttr(MOUNT_ATTR_RDONLY, 0, 0, 0)
    ret = _libc.syscall(SYS_MOUNT_SETATTR, AT_FDCWD, _b(path), AT_RECURSIVE, ctypes.byref(attr),
                        ctypes.sizeof(attr))
    _check(ret, f"mount_setattr({path}, RDONLY)")


def _write_id_maps(pid, uid, gid, deny_setgroups):
    if deny_setgroups:  # required before an unprivileged gid_map write
        with open(f"/proc/{pid}/setgroups", "w") as fh:
            fh.write("deny")
    with open(f"/proc/{pid}/uid_map", "w") as fh:
        fh.write(f"{uid} {uid} 1\n")
    with open(f"/proc/{pid}/gid_map", "w") as fh:
        fh.write(f"{gid} {gid} 1\n")


def _enter_user_namespace(spec):
    """Unshare user+net+IPC+UTS namespaces; map only the sandbox uid/gid into the new one.

    Root cannot map another uid into a namespace it has just entered (the map writer needs
    CAP_SETUID in the parent namespace), so a helper forked beforehand writes the maps. uid 0 stays
    unmapped: set-uid-root binaries and root-owned files confer nothing inside.
    """
    flags = CLONE_NEWUSER | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS
    uid, gid = spec["uid"], spec["gid"]
    if not spec["is_root"]:
        _unshare(flags)
        _write_id_maps("self", uid, gid, deny_setgroups=True)
        return
    me = os.getpid()
    go_r, go_w = os.pipe()
    helper = os.fork()
    if helper == 0:
        code = 1
        try:
            os.close(go_w)
            if os.read(go_r, 1) == b"1":
                _write_id_maps(me, uid, gid, deny_setgroups=False)
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


def _drop_ids(uid, gid):
    os.setgroups([])
    os.setresgid(gid, gid, gid)
    os.setresuid(uid, uid, uid)


def _drop_bounding_set():
    """Empty the capability bounding set and the ambient set (needs CAP_SETPCAP: before the uid drop)."""
    for cap in range(64):
        if _libc.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0 and ctypes.get_errno() == 22:  # EINVAL: past the last
            break
    _libc.prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0)


def _clear_capabilities():
    """No capability left (in a user namespace its creator's are otherwise kept after a uid change)."""
    header, data = _CapHeader(LINUX_CAPABILITY_VERSION_3, 0), (_CapData * 2)()
    _check(_libc.capset(ctypes.byref(header), data), "capset")


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
    devices and the interpreter's prefix at its own path (so the already-running interpreter's
    ``sys.path`` stays valid). ``/tmp`` is an empty folder here: each program gets its own tmpfs
    there (:func:`_program_mounts`). /proc is an empty folder. Nothing else of the host is visible.
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
    inside = root + spec["prefix"]
    if not os.path.isdir(inside):  # else it lies under a bound system folder (e.g. /usr)
        os.makedirs(inside, 0o755)
        # bound through an fd opened before the uid drop: the prefix may sit under a folder
        # (e.g. /root/.pyenv) that the sandbox uid cannot traverse
        _mount(f"/proc/self/fd/{prefix_fd}", inside, None, MS_BIND | MS_REC)
    os.close(prefix_fd)
    _readonly_tree(root)
    os.chdir(root)
    _mount(root, "/", None, MS_MOVE)
    os.chroot(".")  # the program keeps no capability to chroot again, and has no /proc
    os.chdir("/")


def setup(spec):
    """Once per zygote: namespaces, the minimal root, the preloaded modules."""
    mode = spec["mode"]
    if mode == "userns":
        _enter_user_namespace(spec)
    elif mode == "namespaces":
        _unshare(CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS)
    if mode != "none":
        _unshare(CLONE_NEWNS)
        _mount(None, "/", None, MS_REC | MS_PRIVATE)  # nothing propagates back to the host
        prefix_fd = os.open(spec["prefix"], os.O_PATH | os.O_DIRECTORY)  # as root, in the new namespace
        if mode == "userns" and spec["is_root"]:
            _drop_ids(spec["uid"], spec["gid"])  # a mapped fsuid to create files; capabilities are kept
        _minimal_root(spec, prefix_fd)
    for name in PRELOAD:
        try:  # noqa: SIM105 - stdlib only
            __import__(name)
        except ImportError:
            pass


def _program_mounts(spec, job):
    """In the monitor: the program's own PID/mount/IPC/UTS namespaces and its fresh noexec /tmp."""
    _unshare(CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWIPC | CLONE_NEWUTS)
    opts = f"size={job['tmpfs_mb']}m,nr_inodes=4096,mode=0700,uid={spec['uid']},gid={spec['gid']}"
    _mount("tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, opts)


def _program(spec, job, fds, ready_w, workdir):
    """The program process: drop everything, then run the candidate. Never returns."""
    ready = ready_w
    try:
        os.setsid()
        name = ctypes.create_string_buffer(b"bnw" + job["run_id"][:12].encode())  # inherited by forks
        _libc.prctl(PR_SET_NAME, ctypes.cast(name, ctypes.c_void_p).value, 0, 0, 0)
        parent = os.getppid()  # 0 in a new PID namespace; the monitor's pid in mode none
        high = [fcntl.fcntl(fd, fcntl.F_DUPFD, 100) for fd in [fds[0], ready_w] + fds[2:4]]
        null = os.open("/dev/null", os.O_RDWR)
        os.dup2(null, 0)
        os.dup2(high[2] if len(high) > 2 else null, 1)
        os.dup2(high[3] if len(high) > 2 else null, 2)
        os.dup2(high[0], CHANNEL_FD, inheritable=False)
        os.dup2(high[1], CHANNEL_FD + 1, inheritable=False)
        ready = CHANNEL_FD + 1
        os.closerange(CHANNEL_FD + 2, 1024)  # the zygote keeps its descriptors below 1024
        os.chdir(workdir or "/tmp")
        if workdir:
            os.environ.update(HOME=workdir, TMPDIR=workdir)
        privileged = spec["mode"] != "none" or spec["is_root"]
        if privileged:
            _drop_bounding_set()
        if spec["is_root"] and spec["mode"] != "userns":
            _drop_ids(spec["uid"], spec["gid"])
        if privileged:
            _clear_capabilities()
        for name, (soft, hard) in job["rlimits"].items():
            resource.setrlimit(getattr(resource, f"RLIMIT_{name}"), (soft, hard))
        _prctl(PR_SET_NO_NEW_PRIVS, 1)
        _prctl(PR_SET_PDEATHSIG, signal.SIGKILL)  # after the last credential change, which clears it
        if os.getppid() != parent:
            os._exit(126)  # the monitor is already gone
        os.write(ready, b"\0")
        os.close(ready)
    except BaseException as exc:  # noqa: BLE001 - report any setup failure to the monitor
        try:
            os.write(ready, f"{type(exc).__name__}: {exc}".encode()[:2000])
        finally:
            os._exit(127)
    for name in [m for m in sys.modules if m.split(".")[0] in ("ctypes", "_ctypes")]:
        del sys.modules[name]  # the zygote's copy; the audit hook refuses a new import
    channel = socket.socket(fileno=CHANNEL_FD)  # before the audit hook, which refuses new sockets
    flushes = (sys.stdout.flush, sys.stderr.flush)  # the real streams, whatever the program rebinds
    if job["harden"]:
        sys.addaudithook(candidate.make_audit_hook())
    try:
        candidate.serve(channel, [tuple(u) for u in job["units"]], job["max_value_bytes"], flushes)
    finally:
        for flush in flushes:
            try:  # noqa: SIM105 - output is best effort
                flush()
            except BaseException:  # noqa: BLE001
                pass
        os._exit(0)


def _cpu_clock(pid):
    """The clock id of another process's CPU time (clock_getcpuclockid, computed as glibc does)."""
    return ((~pid) << 3) | 2


def _watch(pid, job, report):
    """Wait for the program process under the CPU budget, the wall backstop and a stop request.
    Returns (wait status, rusage, which limit fired or None)."""
    cpu_s, wall_s = job["cpu_s"], job["wall_s"]
    deadline = time.monotonic() + wall_s
    try:
        pidfd = os.pidfd_open(pid)
    except (AttributeError, OSError):
        pidfd = None
    clock, killed = _cpu_clock(pid), None
    while True:
        wpid, status, usage = os.wait4(pid, os.WNOHANG)
        if wpid == pid:
            break
        try:
            used = time.clock_gettime(clock)
        except OSError:
            used = 0.0
        remaining = deadline - time.monotonic()
        if killed is None and used >= cpu_s:
            killed = "cpu"
        elif killed is None and remaining <= 0:
            killed = "wall"
        if killed is not None:
            os.kill(pid, signal.SIGKILL)  # pid 1: the kernel then kills every process of its namespace
            if job["mode"] == "none":
                _killpg(pid)
            _, status, usage = os.wait4(pid, 0)
            break
        wait = max(0.001, min(remaining, 0.05, (cpu_s - used) / 2))
        ready = select.select([pidfd, report] if pidfd is not None else [report], [], [], wait)[0]
        if report in ready and not report.recv(64):  # the library closed its end: stop now
            killed = "stop"
    if pidfd is not None:
        os.close(pidfd)
    return status, usage, killed


def _killpg(pgid):
    with contextlib.suppress(OSError):
        os.killpg(pgid, signal.SIGKILL)


def _sweep(pgid):
    """Mode ``none``: kill the program's process group and every orphan re-parented to this monitor
    (a child subreaper), until none is left; a fork bomb may need many rounds on a loaded machine."""
    me, deadline = str(os.getpid()), time.monotonic() + 60.0
    while time.monotonic() < deadline:
        _killpg(pgid)
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


def _remove_tree(path):
    for folder, dirs, files in os.walk(path, topdown=False):
        for name in files + dirs:
            full = os.path.join(folder, name)
            try:
                os.chmod(folder, 0o700)
                if os.path.isdir(full) and not os.path.islink(full):
                    os.chmod(full, 0o700)
                    os.rmdir(full)
                else:
                    os.unlink(full)
            except OSError:
                pass
    with contextlib.suppress(OSError):
        os.rmdir(path)


def _monitor(spec, job, fds, ctl):
    """The forked monitor of one program. Never returns."""
    report = socket.socket(fileno=fds[1])
    result = {"setup_error": None, "killed": None}
    started = time.monotonic()
    workdir = None
    try:
        if spec["mode"] != "none":  # its death kills the program's PID namespace; in mode none it must
            _prctl(PR_SET_PDEATHSIG, signal.SIGKILL)  # live on to sweep the program's processes
        ctl.close()
        if spec["mode"] != "none":
            _program_mounts(spec, job)
        else:
            _prctl(PR_SET_CHILD_SUBREAPER, 1)
            workdir = tempfile.mkdtemp(prefix="bonaware-sbx-", dir=spec["host_tmp"])
            if spec["is_root"]:
                os.chown(workdir, spec["uid"], spec["gid"])
        ready_r, ready_w = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(ready_r)
            report.close()
            _program(spec, job, fds, ready_w, workdir)
        os.close(ready_w)
        for fd in [fds[0]] + fds[2:]:
            os.close(fd)
        message = os.read(ready_r, 4096)
        os.close(ready_r)
        started = time.monotonic()
        if message != b"\0":
            os.waitpid(pid, 0)
            raise OSError(message.decode(errors="replace") or "the program process died during set-up")
        status, usage, killed = _watch(pid, dict(job, mode=spec["mode"]), report)
        if spec["mode"] == "none":
            _sweep(pid)
        result.update(killed=killed, exit_code=os.WEXITSTATUS(status) if os.WIFEXITED(status) else None,
                      signal=os.WTERMSIG(status) if os.WIFSIGNALED(status) else None,
                      cpu_s=usage.ru_utime + usage.ru_stime, max_rss_kb=usage.ru_maxrss)
    except BaseException as exc:  # noqa: BLE001 - every failure becomes a report, not a traceback
        result["setup_error"] = f"{type(exc).__name__}: {exc}"
    result["wall_s"] = time.monotonic() - started
    try:
        wire.send(report, json.dumps(result).encode())
    finally:
        if workdir is not None:
            _remove_tree(workdir)
        os._exit(0)


def main():
    spec = json.loads(sys.argv[1])
    ctl = socket.socket(fileno=spec["ctl_fd"])
    try:
        setup(spec)
        resource.setrlimit(resource.RLIMIT_NOFILE, (1024, 1024))
        # no ptrace or /proc/<pid>/mem or fd access from other processes of the same uid (in mode
        # userns the zygote runs as the sandbox uid); its monitors and programs inherit it
        _prctl(PR_SET_DUMPABLE, 0)
    except BaseException as exc:  # noqa: BLE001 - report why this mode does not work here
        wire.send(ctl, json.dumps({"ok": False, "error": f"{type(exc).__name__}: {exc}"}).encode())
        os._exit(1)
    wire.send(ctl, json.dumps({"ok": True, "pid": os.getpid()}).encode())
    children = set()
    while True:
        try:
            payload, fds = wire.receive(ctl, 1 << 30, with_fds=True)
        except wire.WireClosed:
            break
        for child in list(children):
            if os.waitpid(child, os.WNOHANG)[0]:
                children.discard(child)
        job = json.loads(payload)
        try:
            pid = os.fork()
        except OSError as exc:
            pid, error = None, f"fork: {exc}"
        if pid == 0:
            _monitor(spec, job, fds, ctl)
        for fd in fds:
            os.close(fd)
        if pid is None:
            wire.send(ctl, json.dumps({"ok": False, "error": error}).encode())
        else:
            children.add(pid)
            wire.send(ctl, json.dumps({"ok": True, "pid": pid}).encode())
    if spec["mode"] != "none":  # mode none: each monitor stops its program (its report socket closes) and sweeps
        for child in children:
            with contextlib.suppress(OSError):
                os.kill(child, signal.SIGKILL)
    os._exit(0)


if __name__ == "__main__":
    main()
