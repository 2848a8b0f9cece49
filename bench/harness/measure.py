"""Run a command in its own process group and measure it: wall time, peak resident memory of
the whole group (polled from /proc), CPU time, and how busy the rest of the machine was."""

from __future__ import annotations

import contextlib
import os
import re
import resource
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from .common import fmt_bytes

PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
OUT_OF_MEMORY = r"MemoryError|bad_alloc|Out of Memory Error|Cannot allocate memory"


def _group_rss(pgid: int) -> int:
    """Resident bytes of every process in process group ``pgid`` (read from /proc/*/stat)."""
    total = 0
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as handle:
                stat = handle.read()
        except OSError:
            continue
        fields = stat[stat.rfind(b")") + 2 :].split()
        # fields[0] is field 3 of proc(5): state; pgrp is field 5, rss (pages) field 24
        if int(fields[2]) == pgid:
            total += int(fields[21]) * PAGE_SIZE
    return total


def _busy_cpu_seconds() -> float:
    """CPU seconds the whole machine has spent busy (all cores), from /proc/stat."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]  # idle + iowait
    return (sum(values[:8]) - idle) / CLOCK_TICKS


@dataclass
class Measurement:
    status: str  # ok | failed | timeout | oom
    exit_code: int | None
    wall_s: float
    peak_rss_bytes: int
    cpu_s: float
    other_cpu_cores: float  # average busy cores of everything else on the machine
    load_avg_1m_at_start: float
    note: str = ""
    samples: list[tuple[float, int]] = field(default_factory=list, repr=False)

    def summary(self) -> dict:
        return {
            "status": self.status,
            "exit_code": self.exit_code,
            "wall_s": round(self.wall_s, 2),
            "peak_rss_bytes": self.peak_rss_bytes,
            "cpu_s": round(self.cpu_s, 1),
            "other_cpu_cores": round(self.other_cpu_cores, 2),
            "load_avg_1m_at_start": round(self.load_avg_1m_at_start, 2),
            "note": self.note,
        }


def measure(
    command: list[str],
    *,
    cwd: Path,
    env: dict[str, str],
    log_path: Path,
    time_cap_s: float,
    mem_cap_bytes: int,
    as_limit_bytes: int | None = None,
    min_free_disk_bytes: int = 0,
    interval_s: float = 0.2,
) -> Measurement:
    """Run ``command`` in its own process group; poll the group's RSS; stop it at a cap.

    The peak is the larger of the polled sum over the group and the kernel's max RSS of the
    child (``wait4``), which catches a spike between two polls of a single process. The run is
    also stopped when free space on the file system of ``log_path`` falls below
    ``min_free_disk_bytes`` (DuckDB spills to disk under its memory limit).
    """

    def limit_address_space() -> None:
        if as_limit_bytes is not None:
            resource.setrlimit(resource.RLIMIT_AS, (as_limit_bytes, as_limit_bytes))

    log_path.parent.mkdir(parents=True, exist_ok=True)
    load_at_start = os.getloadavg()[0]
    self_cpu_0 = sum(resource.getrusage(resource.RUSAGE_SELF)[:2])
    busy_0 = _busy_cpu_seconds()
    started = time.perf_counter()
    samples: list[tuple[float, int]] = []
    peak = 0
    killed = ""
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            command,
            cwd=cwd,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
            preexec_fn=limit_address_space if as_limit_bytes else None,
        )
        pgid = process.pid
        while True:
            pid, wait_status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                break
            rss = _group_rss(pgid)
            samples.append((time.time(), rss))
            peak = max(peak, rss)
            elapsed = time.perf_counter() - started
            if not killed and rss > mem_cap_bytes:
                killed = "oom"
                kill_group(pgid, signal.SIGKILL)
            elif not killed and shutil.disk_usage(log_path.parent).free < min_free_disk_bytes:
                killed = "disk"
                kill_group(pgid, signal.SIGKILL)
            elif not killed and elapsed > time_cap_s:
                killed = "timeout"
                kill_group(pgid, signal.SIGTERM)
                deadline = time.perf_counter() + 10
                while time.perf_counter() < deadline and _group_rss(pgid):
                    time.sleep(0.2)
                kill_group(pgid, signal.SIGKILL)
            time.sleep(interval_s)
    wall = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(wait_status)
    kill_group(pgid, signal.SIGKILL)  # leftovers of a finished run, if any
    busy = _busy_cpu_seconds() - busy_0
    self_cpu = sum(resource.getrusage(resource.RUSAGE_SELF)[:2]) - self_cpu_0
    child_cpu = usage.ru_utime + usage.ru_stime
    peak = max(peak, usage.ru_maxrss * 1024)
    tail = log_tail(log_path)
    if killed:
        status = killed
        note = {
            "timeout": f"stopped after {time_cap_s:.0f} s (time cap)",
            "oom": f"stopped at {fmt_bytes(peak)} resident (memory cap {fmt_bytes(mem_cap_bytes)})",
            "disk": f"stopped: free disk space below {fmt_bytes(min_free_disk_bytes)}",
        }[killed]
    elif process.returncode == 0:
        status, note = "ok", ""
    elif memory_error := re.search(OUT_OF_MEMORY, tail):
        line = tail[tail.rfind("\n", 0, memory_error.start()) + 1 :].split("\n", 1)[0]
        status, note = "oom", "ran out of memory: " + line.strip()[:300]
    elif process.returncode == -signal.SIGKILL:
        status, note = "oom", "killed by SIGKILL (kernel OOM killer?)"
    else:
        status, note = "failed", f"exit {process.returncode}: " + _last_error_line(tail)
    return Measurement(
        status=status,
        exit_code=process.returncode,
        wall_s=wall,
        peak_rss_bytes=peak,
        cpu_s=child_cpu,
        other_cpu_cores=max(0.0, (busy - child_cpu - self_cpu) / wall) if wall else 0.0,
        load_avg_1m_at_start=load_at_start,
        note=note,
        samples=samples,
    )


def kill_group(pgid: int, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, sig)


def log_tail(path: Path, size: int = 20_000) -> str:
    with open(path, "rb") as handle:
        handle.seek(max(0, path.stat().st_size - size))
        return handle.read().decode("utf-8", "replace")


def _last_error_line(text: str) -> str:
    text = re.sub(r"\x1b\[[0-9;]*m", "", text)
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    for line in reversed(lines):
        if re.search(r"error|Error|ERROR|exception|Exception|FAIL", line):
            return line[:300]
    return lines[-1][:300] if lines else ""


def write_samples(path: Path, samples: list[tuple[float, int]]) -> None:
    path.write_text("epoch_s,rss_bytes\n" + "".join(f"{t:.2f},{r}\n" for t, r in samples))
