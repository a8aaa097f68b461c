"""Settings, URL parsing and the SQL files, without a database."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pydantic import ValidationError

from tasks.clickhouse import SQL_DIR, Db, classify, parse_url, render_text
from tasks.errors import ConfigError
from tasks.settings import ClickHouseSettings, Settings, TableSettings

ROOT = Path(__file__).resolve().parents[2]


def test_chdb_url_resolves_relative_directories_against_the_working_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    t = parse_url("chdb://./.polyledger/chdb")
    assert t.kind == "chdb" and t.path == str(tmp_path / ".polyledger" / "chdb")
    assert parse_url("chdb:///abs/dir").path == "/abs/dir"


def test_http_url_carries_user_and_password_but_describe_hides_the_password():
    t = parse_url("https://alice:s3cr%40t@ch.example.com:9443")
    assert (t.host, t.port, t.secure, t.user, t.password) == ("ch.example.com", 9443, True, "alice", "s3cr@t")
    assert "s3cr" not in t.describe()
    assert parse_url("http://h").port == 8123
    assert parse_url("http://u:p@h:1", password="override").password == "override"


@pytest.mark.parametrize("url", ["ftp://h", "nonsense", "http://", "chdb://", "http://u:p@h:notaport"])
def test_bad_urls_are_one_config_error_without_the_password(url):
    with pytest.raises(ConfigError) as err:
        parse_url(url)
    assert "\n" not in str(err.value) and ":p@" not in str(err.value)


@pytest.mark.parametrize("name", ["x;drop table y", "a b", "1abc", "t`", "", "a" * 64])
def test_table_and_database_names_must_be_plain_identifiers(name, monkeypatch):
    monkeypatch.setenv("POLYLEDGER_TABLE_LEDGER", name)
    with pytest.raises(ValidationError):
        TableSettings()
    monkeypatch.delenv("POLYLEDGER_TABLE_LEDGER")
    monkeypatch.setenv("POLYLEDGER_DATABASE", name)
    with pytest.raises(ValidationError):
        ClickHouseSettings()


def test_secrets_do_not_show_in_settings_repr(monkeypatch):
    monkeypatch.setenv("POLYLEDGER_CLICKHOUSE_URL", "http://u:hunter2@h:8123")
    monkeypatch.setenv("POLYLEDGER_CLICKHOUSE_PASSWORD", "hunter3")
    s = ClickHouseSettings()
    assert "hunter2" not in repr(s) and "hunter3" not in repr(s)


def test_transient_errors_are_told_apart_from_sql_errors():
    class E(Exception):
        def __init__(self, msg, code=None):
            super().__init__(msg)
            self.code = code

    assert classify(E("Code: 241. DB::Exception: Memory limit (total) exceeded", 241), "q").transient
    assert classify(E("Code: 252. Too many parts"), "q").transient
    assert classify(E("Error executing HTTP request attempt 1: Connection refused"), "q").transient
    assert not classify(E("Code: 62. DB::Exception: Syntax error", 62), "q").transient
    assert not classify(E("Code: 60. Unknown table", 60), "q").transient
    err = classify(E("Code: 60. Unknown table x\nstack..."), "build ledger 2025-01-01")
    assert str(err).startswith("build ledger 2025-01-01: Code: 60") and "\n" not in str(err)


def _idents() -> dict[str, str]:
    db = Db.__new__(Db)
    Db.__init__(db, client=None, settings=Settings(), target=parse_url("chdb:///tmp/x"))
    placeholders = set()
    for path in SQL_DIR.glob("*.sql"):
        placeholders |= set(re.findall(r"\$\{(\w+)\}", path.read_text()))
    # scratch and source tables are chosen by the caller at run time; any qualified name renders
    extra = {k: "`db`.`scratch`" for k in placeholders if k not in db.idents and not k.startswith("select_")}
    return {**db.idents, **extra}


def test_every_sql_file_renders_starts_with_a_comment_and_binds_values():
    idents = _idents()
    for path in sorted(SQL_DIR.glob("*.sql")):
        text = path.read_text()
        assert text.startswith("-- "), f"{path.name} must start with a one-line -- comment"
        sql = render_text(path.stem, idents)
        assert "${" not in sql, path.name
        # values are bound: server-side {name:Type} or client-side %(name)s, never both in one statement
        assert not (re.search(r"\{\w+:[A-Za-z]", sql) and "%(" in sql), path.name


def test_every_sql_file_is_used_and_every_used_file_exists():
    code = "\n".join(p.read_text() for p in [*ROOT.glob("tasks/*.py"), *ROOT.glob("flows/*.py")])
    sql_text = "\n".join(p.read_text() for p in SQL_DIR.glob("*.sql"))
    names = {p.stem for p in SQL_DIR.glob("*.sql")}
    for name in names:
        used = re.search(rf"[\"']{name}[\"']", code) or f"${{{name}}}" in sql_text
        assert used, f"sql/{name}.sql is not used by any task"
    for ref in set(re.findall(r"\b(?:db|self)\.(?:run|rows|scalar)\(\s*\"(\w+)\"", code)):
        assert ref in names, f"code references missing sql/{ref}.sql"
