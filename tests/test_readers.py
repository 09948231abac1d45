"""Readers of the published file cannot touch the file system, the network, extensions or settings: every
refused statement is refused by DuckDB itself (external access disabled, configuration locked), and
``crosscluster query`` says so with exit code 2 while ordinary SQL works."""

from __future__ import annotations

import subprocess
import sys

import duckdb
import pytest

from pipelines.warehouse import connect_published, is_refusal

REFUSED = [
    "copy districts to '{tmp}/out.csv'",
    "export database '{tmp}/export'",
    "select * from read_csv('/etc/passwd')",
    "select * from read_parquet('{releases}/*/districts.parquet')",
    "select * from glob('/etc/*')",
    "install httpfs",
    "load httpfs",
    "attach '{warehouse}' as w",
    "set enable_external_access = true",
    "set lock_configuration = false",
    "set memory_limit = '64GB'",
]


@pytest.mark.parametrize("statement", REFUSED)
def test_published_reader_refuses_files_network_extensions_and_settings(refreshed, tmp_path, statement):
    paths, _ = refreshed
    sql = statement.format(tmp=tmp_path, releases=paths.releases_dir, warehouse=paths.warehouse_db)
    con = connect_published(paths.published_db)
    try:
        with pytest.raises(duckdb.Error) as caught:
            con.execute(sql).fetchall()
        assert is_refusal(caught.value), caught.value
        assert con.execute("select current_setting('enable_external_access')").fetchone()[0] is False
    finally:
        con.close()
    assert list(tmp_path.iterdir()) == []  # nothing was written


def test_query_command_refuses_with_exit_2_and_answers_sql(refreshed, tmp_path):
    paths, _ = refreshed

    def run(sql):
        return subprocess.run(
            [sys.executable, "-m", "pipelines.cli", "query", "--warehouse", str(paths.warehouse_dir), "--format", "csv",
             sql],
            capture_output=True, text=True, timeout=120,
        )

    ok = run("select count(*) as districts from districts")
    assert ok.returncode == 0, ok.stderr
    with duckdb.connect(str(paths.published_db), read_only=True) as con:
        expected = con.execute("select count(*) from districts").fetchone()[0]
    assert ok.stdout.splitlines() == ["districts", str(expected)]
    refused = run(f"copy districts to '{tmp_path / 'out.csv'}'")
    assert refused.returncode == 2
    assert "refused" in refused.stderr and "published tables only" in refused.stderr
    assert not (tmp_path / "out.csv").exists()
