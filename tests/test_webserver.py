"""The Dagster webserver and daemon on this project (`dagster dev`, as `crosscluster ui` starts them), on
127.0.0.1 with a bounded wait and stopped by their process group: the GraphQL API serves the asset graph, the
checks, the partitions, the schedules and the sensor, and a partition run launched through it succeeds."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

REPO = Path(__file__).parents[1]
STARTUP_SECONDS = 120
RUN_SECONDS = 240


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _graphql(port: int, query: str) -> dict:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/graphql", data=json.dumps({"query": query}).encode(),
        headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        body = json.loads(response.read())
    assert "errors" not in body, body["errors"]
    return body["data"]


@pytest.fixture()
def webserver(office):
    port = _free_port()
    dagster = str(Path(sys.executable).with_name("dagster"))
    log = open(office.warehouse_dir / "dagster-dev.log", "w")
    process = subprocess.Popen([dagster, "dev", "-w", str(REPO / "workspace.yaml"), "-h", "127.0.0.1", "-p", str(port)],
                               cwd=REPO, env=os.environ.copy(), stdout=log, stderr=subprocess.STDOUT,
                               start_new_session=True)
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while True:
            try:
                data = _graphql(port, '{ repositoryOrError(repositorySelector: {repositoryLocationName: "crosscluster", '
                                      'repositoryName: "__repository__"}) { __typename } }')
                if data["repositoryOrError"]["__typename"] == "Repository":
                    break
            except OSError:
                pass
            assert process.poll() is None, (office.warehouse_dir / "dagster-dev.log").read_text()[-3000:]
            assert time.monotonic() < deadline, "the webserver did not answer in time"
            time.sleep(1)
        yield port
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        log.close()


REPOSITORY = '{repositoryLocationName: "crosscluster", repositoryName: "__repository__"}'


def test_webserver_serves_the_graph_checks_partitions_schedules_sensor_and_runs_a_partition(webserver):
    port = webserver
    nodes = _graphql(port, "{ assetNodes { assetKey { path } partitionKeys "
                           "assetChecksOrError { ... on AssetChecks { checks { name } } } } }")["assetNodes"]
    by_key = {"/".join(n["assetKey"]["path"]): n for n in nodes}
    assert {"landing/it_bank_branches", "marts/districts", "published/release"} <= set(by_key)
    assert by_key["landing/it_bank_branches"]["partitionKeys"] == ["2016", "2021"]
    assert by_key["landing/us_cbp_county"]["partitionKeys"] == ["2021"]
    checks = {c["name"] for c in by_key["marts/districts"]["assetChecksOrError"]["checks"]}
    assert "gx_districts" in checks

    schedules = _graphql(port, f"{{ schedulesOrError(repositorySelector: {REPOSITORY}) "
                               "{ ... on Schedules { results { name executionTimezone } } } }")
    assert {s["name"] for s in schedules["schedulesOrError"]["results"]} == {
        "monthly_rebuild_and_publish", "annual_reference_refresh"}
    sensors = _graphql(port, f"{{ sensorsOrError(repositorySelector: {REPOSITORY}) "
                             "{ ... on Sensors { results { name } } } }")
    assert "raw_files_sensor" in {s["name"] for s in sensors["sensorsOrError"]["results"]}

    launched = _graphql(port, """mutation { launchRun(executionParams: {
        selector: {repositoryLocationName: "crosscluster", repositoryName: "__repository__",
                    jobName: "it_statistics_job", assetSelection: [{path: ["landing", "it_bank_branches"]}]},
        executionMetadata: {tags: [{key: "dagster/partition", value: "2021"}]} }) {
          __typename ... on LaunchRunSuccess { run { runId } } ... on PythonError { message } } }""")
    assert launched["launchRun"]["__typename"] == "LaunchRunSuccess", launched
    run_id = launched["launchRun"]["run"]["runId"]
    deadline = time.monotonic() + RUN_SECONDS
    while True:
        status = _graphql(port, f'{{ runOrError(runId: "{run_id}") {{ ... on Run {{ status }} }} }}')
        status = status["runOrError"]["status"]
        if status in ("SUCCESS", "FAILURE", "CANCELED"):
            break
        assert time.monotonic() < deadline, f"run {run_id} still {status}"
        time.sleep(2)
    assert status == "SUCCESS"
