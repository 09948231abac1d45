"""Faults injected into real refreshes (the `crosscluster` command in its own process): SIGKILL at every step,
SIGTERM, two refreshes at once, a full disk, with a reader querying the published file throughout. No fault may
leave the warehouse stuck, a release wrong or a reader broken. Bad input files are tests/test_bad_input_corpus.py.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest

from pipelines.paths import ProjectPaths
from pipelines.publish import served_release_id
from pipelines.refresh_lock import RefreshLockHeld, lock_holder, refresh_lock
from pipelines.releases import load_registry
from tests.test_orchestration import BANKS_2021, READER, _add_bank_branches

CROSSCLUSTER = str(Path(sys.executable).with_name("crosscluster"))


def _start(paths: ProjectPaths, *args: str, raw: Path | None = None) -> subprocess.Popen:
    """`crosscluster refresh` in its own process group (dbt runs as its child)."""
    cmd = [CROSSCLUSTER, "refresh", "--raw", str(raw or paths.raw_dir), "--warehouse", str(paths.warehouse_dir), *args]
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)


def _wait_for(predicate, what: str, timeout: float = 120.0, process: subprocess.Popen | None = None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        if process is not None and process.poll() is not None:
            out, err = process.communicate()
            raise AssertionError(f"the refresh ended (exit {process.returncode}) before {what}:\n{out}\n{err}")
        time.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}")


def _op_started(instance, since: datetime, step: str, op: str | None = None):
    """True once a run of this refresh step (and, given, its op) has started."""
    import dagster as dg

    records = instance.get_run_records(
        filters=dg.RunsFilter(tags={"crosscluster/step": step}, created_after=since,
                              statuses=[dg.DagsterRunStatus.STARTED]))
    for record in records:
        if op is None:
            return True
        for event in instance.all_logs(record.dagster_run.run_id, of_type=dg.DagsterEventType.STEP_START):
            if event.dagster_event.step_key == op:
                return True
    return False


def _kill(process: subprocess.Popen) -> None:
    os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=30)


def _reader(paths: ProjectPaths, stop: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", READER, str(paths.published_db), str(stop)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _stop_reader(reader: subprocess.Popen, stop: Path) -> dict:
    stop.touch()
    out, err = reader.communicate(timeout=60)
    assert reader.returncode == 0, err
    return json.loads(out)


def test_a_refresh_killed_at_any_step_is_recovered_by_the_next_one(office, tmp_path):
    import dagster as dg

    paths = office
    instance = dg.DagsterInstance.get()
    served = served_release_id(paths)
    listed = [r["release_id"] for r in load_registry(paths)]
    stop = tmp_path / "stop"
    reader = _reader(paths, stop)
    counts = _add_bank_branches(paths.raw_dir)  # a change the final release must hold

    points = {
        "reference": lambda since: _op_started(instance, since, "reference"),
        "ingest": lambda since: _op_started(instance, since, "ingest"),
        "dbt build": lambda since: _op_started(instance, since, "build", "warehouse_models"),
        "Great Expectations": lambda since: _op_started(instance, since, "build", "gx_suites"),
        "publish": lambda since: any(paths.releases_dir.glob(".tmp-*")),
    }
    for point, reached in points.items():
        since = datetime.now(UTC)
        process = _start(paths, "--full")
        _wait_for(lambda reached=reached, since=since: reached(since), f"the {point} step", process=process)
        if point == "dbt build":
            time.sleep(2)  # dbt is writing the warehouse
        _kill(process)
        # Until a refresh completes, the last release stays served and listed, whatever was killed.
        assert served_release_id(paths) == served, point
        assert [r["release_id"] for r in load_registry(paths)] == listed, point
        assert lock_holder(paths) is None  # the kernel released the dead refresh's lock

    result = subprocess.run(
        [CROSSCLUSTER, "refresh", "--raw", str(paths.raw_dir), "--warehouse", str(paths.warehouse_dir)],
        capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Recovered from an interrupted refresh" in result.stdout
    assert "removed" in result.stdout and ".tmp-" in result.stdout  # the killed publish's folder
    assert not list(paths.releases_dir.glob(".tmp-*")) and not list(paths.published_dir.glob(".indicators-*"))
    # No run is left in progress, no pool slot held.
    live = instance.get_run_records(filters=dg.RunsFilter(statuses=[
        dg.DagsterRunStatus.STARTED, dg.DagsterRunStatus.STARTING, dg.DagsterRunStatus.NOT_STARTED]))
    assert live == []
    assert instance.event_log_storage.get_concurrency_info("warehouse_writer").claimed_slots == []
    # The new release holds the change.
    new = served_release_id(paths)
    assert new != served and [r["release_id"] for r in load_registry(paths)] == [*listed, new]
    with duckdb.connect(str(paths.warehouse_db), read_only=True) as con:
        landed = dict(con.execute("select area_code, branches from landing.bank_branches "
                                  "where country = 'IT' and ref_year = 2021").fetchall())
    assert all(landed[code] == n for code, n in counts.items())

    seen = _stop_reader(reader, stop)
    assert seen["errors"] == [] and seen["seen"][0] == served and seen["seen"][-1] == new


def test_sigterm_stops_a_refresh_at_once_and_cleanly(office):
    import dagster as dg

    paths = office
    instance = dg.DagsterInstance.get()
    served = served_release_id(paths)
    since = datetime.now(UTC)
    process = _start(paths, "--full")
    _wait_for(lambda: _op_started(instance, since, "build", "warehouse_models"), "the dbt build", process=process)
    time.sleep(1)
    sent = time.monotonic()
    process.send_signal(signal.SIGTERM)  # to the refresh only, as `timeout` or a scheduler does
    process.wait(timeout=60)
    assert time.monotonic() - sent < 20
    # (Dagster's compute-log watchers, children of the refresh, hold its output open a little longer.)
    out, err = process.communicate(timeout=120)
    assert process.returncode == 128 + signal.SIGTERM, out + err
    assert "refresh stopped (SIGTERM)" in err and "Traceback" not in err
    build_runs = instance.get_run_records(filters=dg.RunsFilter(tags={"crosscluster/step": "build"},
                                                                created_after=since))
    assert [r.dagster_run.status for r in build_runs] == [dg.DagsterRunStatus.CANCELED]
    assert instance.event_log_storage.get_concurrency_info("warehouse_writer").claimed_slots == []
    assert lock_holder(paths) is None and served_release_id(paths) == served

    # A refresh waiting for the lock stops as promptly.
    with refresh_lock(paths):
        waiting = _start(paths, "--wait", "--wait-seconds", "300")
        _wait_for(lambda: (paths.logs_dir.exists() and any(
            "waiting" in line for line in _peek(waiting))), "the wait message", timeout=60, process=waiting)
        waiting.send_signal(signal.SIGTERM)
        _, err = waiting.communicate(timeout=30)
        assert waiting.returncode == 128 + signal.SIGTERM, err


_PEEKED: dict[int, list[str]] = {}


def _peek(process: subprocess.Popen) -> list[str]:
    """Lines the process has printed so far (non-blocking)."""
    os.set_blocking(process.stdout.fileno(), False)
    lines = _PEEKED.setdefault(process.pid, [])
    try:
        chunk = process.stdout.read()
    except (BlockingIOError, TypeError):
        chunk = None
    if chunk:
        lines.extend(chunk.splitlines())
    return lines


def test_two_refreshes_started_together_one_runs_and_the_release_holds_its_inputs(office, tmp_path):
    paths = office
    # Two input folders that differ: each adds its own bank branches.
    other = tmp_path / "other_raw"
    shutil.copytree(paths.raw_dir, other)
    _add_bank_branches(paths.raw_dir, extra=3)
    _add_bank_branches(other, extra=9)
    stop = tmp_path / "stop"
    reader = _reader(paths, stop)

    first, second = _start(paths), _start(paths, raw=other)
    results = [(p, *p.communicate(timeout=600)) for p in (first, second)]
    codes = sorted(p.returncode for p, _, _ in results)
    assert codes == [0, 1], [(p.returncode, out[-2000:], err) for p, out, err in results]
    winner = next(p for p, _, _ in results if p.returncode == 0)
    loser_err = next(err for p, _, err in results if p.returncode == 1)
    assert "another refresh (PID" in loser_err and "has been running since" in loser_err
    assert "Traceback" not in loser_err
    winner_raw = paths.raw_dir if winner is first else other

    # The release lists exactly the inputs of the run that published it: the changed bank file is the
    # winner's (its folder and its content), and each run had its own log.
    from pipelines.ingest import sha256_of

    manifest = json.loads((paths.releases_dir / served_release_id(paths) / "manifest.json").read_text())
    banks = [f for f in manifest["inputs"] if f["catalogue_entry"] == "it_bank_branches" and f["ref_year"] == 2021]
    assert [(f["file"], f["sha256"]) for f in banks] == [(str(winner_raw / BANKS_2021), sha256_of(winner_raw / BANKS_2021))]
    assert sha256_of(paths.raw_dir / BANKS_2021) != sha256_of(other / BANKS_2021)
    logs = sorted(p.name for p in paths.logs_dir.glob("refresh-*.log"))
    assert len(logs) == len(set(logs)) >= 2
    assert _stop_reader(reader, stop)["errors"] == []


def test_the_refresh_lock_names_its_holder_and_outlives_no_dead_process(tmp_path):
    paths = ProjectPaths(tmp_path / "raw", tmp_path / "warehouse")
    with refresh_lock(paths) as held:
        assert lock_holder(paths) == held.owner
        with pytest.raises(RefreshLockHeld) as info:
            with refresh_lock(paths):
                pass
        assert f"another refresh (PID {os.getpid()}" in str(info.value)
        started = time.monotonic()
        with pytest.raises(RefreshLockHeld, match="waited 1s"):
            with refresh_lock(paths, wait_seconds=1, poll_seconds=0.1):
                pass
        assert time.monotonic() - started >= 1
    assert lock_holder(paths) is None

    # A process that dies holding the lock (SIGKILL) leaves its name in the file, not the lock.
    code = ("import sys, time; from pathlib import Path; from pipelines.paths import ProjectPaths; "
            "from pipelines.refresh_lock import refresh_lock\n"
            "with refresh_lock(ProjectPaths(Path(sys.argv[1]), Path(sys.argv[2]))):\n"
            "    print('held', flush=True); time.sleep(600)")
    holder = subprocess.Popen([sys.executable, "-c", code, str(paths.raw_dir), str(paths.warehouse_dir)],
                              stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "held"
    assert lock_holder(paths).pid == holder.pid
    holder.kill()
    holder.wait()
    with refresh_lock(paths) as held:
        assert held.previous_owner is not None and held.previous_owner.pid == holder.pid


def _mount_tmpfs(target: Path, size_bytes: int) -> bool:
    if shutil.which("mount") is None or os.geteuid() != 0:
        return False
    result = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size_bytes}", "tmpfs", str(target)],
                            capture_output=True)
    return result.returncode == 0


def test_a_full_disk_during_publish_leaves_the_served_release_and_nothing_else(office, tmp_path, monkeypatch):
    paths = office
    served = served_release_id(paths)
    listed = [r["release_id"] for r in load_registry(paths)]
    _add_bank_branches(paths.raw_dir)
    # The releases folder on a disk with 1 MB free beyond what it holds (a small tmpfs where the machine
    # allows mounting one, else ENOSPC raised by the writer of the release's files).
    saved = tmp_path / "releases_saved"
    shutil.copytree(paths.releases_dir, saved)
    used = sum(f.stat().st_size for f in saved.rglob("*") if f.is_file())
    shutil.rmtree(paths.releases_dir)
    paths.releases_dir.mkdir()
    mounted = _mount_tmpfs(paths.releases_dir, used + (1 << 20))
    try:
        shutil.copytree(saved, paths.releases_dir, dirs_exist_ok=True)
        if mounted:
            result = subprocess.run(
                [CROSSCLUSTER, "refresh", "--raw", str(paths.raw_dir), "--warehouse", str(paths.warehouse_dir)],
                capture_output=True, text=True, timeout=600)
            assert result.returncode == 1, result.stdout + result.stderr
            assert "no space left on the disk while publishing" in result.stderr
            assert "Traceback" not in result.stderr
        else:
            import errno

            import pipelines.publish as publish_module
            from pipelines.refresh import run_refresh

            real, calls = publish_module._write_parquet, []

            def writer_on_a_full_disk(*args, **kwargs):
                calls.append(args)
                if len(calls) == 3:
                    raise OSError(errno.ENOSPC, "No space left on device")
                return real(*args, **kwargs)

            monkeypatch.setattr(publish_module, "_write_parquet", writer_on_a_full_disk)
            report = run_refresh(paths)
            assert not report.ok and report.failed_step.error_class == "DiskFull"
        assert served_release_id(paths) == served
        assert [r["release_id"] for r in load_registry(paths)] == listed
        assert sorted(p.name for p in paths.releases_dir.iterdir()) == sorted(p.name for p in saved.iterdir())
        assert not list(paths.published_dir.glob(".indicators-*"))
    finally:
        if mounted:
            subprocess.run(["umount", str(paths.releases_dir)], check=True)
        shutil.rmtree(paths.releases_dir, ignore_errors=True)
        shutil.copytree(saved, paths.releases_dir)
    monkeypatch.undo()
    # With space again, the same refresh publishes.
    result = subprocess.run(
        [CROSSCLUSTER, "refresh", "--raw", str(paths.raw_dir), "--warehouse", str(paths.warehouse_dir)],
        capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    assert served_release_id(paths) != served
