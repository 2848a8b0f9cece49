"""`segments report` and `segments export` on a tiny warehouse."""

from __future__ import annotations

import pytest

from segments.cli import main, resolve_paths

from .test_report_data import write_warehouse


@pytest.fixture
def database(tmp_path):
    return write_warehouse(tmp_path / "tiny.duckdb", True)


def test_help_names_both_commands(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert "report" in out and "export" in out


@pytest.mark.parametrize("command", ["report", "export"])
def test_subcommand_help_says_what_is_written(command, capsys):
    with pytest.raises(SystemExit):
        main([command, "--help"])
    out = " ".join(capsys.readouterr().out.split())
    assert "segments.xlsx" in out
    assert ("segments_report.html" in out) == (command == "report")
    assert "--parquet-dir" in out and "--database" in out


def test_report_writes_html_workbook_and_csvs(database, tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["report", "--database", str(database), "--out", str(out)]) == 0
    written = sorted(path.name for path in out.iterdir())
    assert written == [
        "segment_profile_zscores.csv",
        "segment_profiles.csv",
        "segments.xlsx",
        "segments_report.html",
    ]
    captured = capsys.readouterr()
    assert f"Report:   {out / 'segments_report.html'}" in captured.out
    assert f"Workbook: {out / 'segments.xlsx'}" in captured.out
    # The step log with timings goes to stderr.
    assert "segments: reading the warehouse done in" in captured.err
    assert "segments: rendering the HTML report done in" in captured.err


def test_report_html_only(database, tmp_path):
    out = tmp_path / "out"
    assert main(["report", "--database", str(database), "--out", str(out), "--html-only"]) == 0
    assert [path.name for path in out.iterdir()] == ["segments_report.html"]


def test_export_writes_no_html(database, tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["export", "--database", str(database), "--out", str(out), "--quiet"]) == 0
    assert not (out / "segments_report.html").exists()
    assert (out / "segments.xlsx").exists()
    assert capsys.readouterr().err == ""


def test_database_from_the_environment(database, tmp_path, monkeypatch):
    monkeypatch.setenv("DBT_DUCKDB_PATH", str(database))
    assert main(["export", "--out", str(tmp_path / "out"), "--quiet"]) == 0


def test_missing_database_is_a_clear_error(tmp_path, capsys):
    code = main(["report", "--database", str(tmp_path / "none.duckdb"), "--out", str(tmp_path)])
    assert code == 1
    assert "run `dbt build` first" in capsys.readouterr().err


def test_database_and_parquet_dir_exclude_each_other(tmp_path):
    with pytest.raises(SystemExit) as exit_info:
        main(["report", "--database", "a.duckdb", "--parquet-dir", str(tmp_path)])
    assert exit_info.value.code == 2


def test_outputs_go_to_the_warehouse_own_folder(database, tmp_path, monkeypatch):
    """Without --out, the report goes beside the database, in output/<database name>/report."""
    monkeypatch.chdir(tmp_path)
    assert main(["export", "--database", str(database), "--quiet"]) == 0
    assert (tmp_path / "output" / "tiny" / "report" / "segments.xlsx").exists()


def test_the_serving_copy_is_read_when_published(database, tmp_path):
    serving = tmp_path / "output" / "tiny" / "builds" / "b1" / "serving.duckdb"
    serving.parent.mkdir(parents=True)
    (tmp_path / "output" / "tiny" / "current").symlink_to("builds/b1")
    assert resolve_paths(database, None, None) == (database, tmp_path / "output/tiny/report")
    serving.write_bytes(b"")
    assert resolve_paths(database, None, None)[0] == tmp_path / "output/tiny/current/serving.duckdb"
    # A Parquet folder, when given, is read instead; --out wins over the default folder.
    assert resolve_paths(database, tmp_path, tmp_path / "x") == (database, tmp_path / "x")
