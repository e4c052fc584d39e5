"""``sopframe store backup`` on a PostgreSQL store says how PostgreSQL's own tools copy it, and writes nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from sopframe.__main__ import main


def test_a_postgresql_store_is_sent_to_pg_dump(postgres_url: str, tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    dest = tmp_path / "copy.db"
    with pytest.raises(SystemExit) as info:
        main(["store", "backup", str(dest), "--store", postgres_url])
    err = capsys.readouterr().err
    assert info.value.code == 2, err
    schema = postgres_url.split("schema=")[1]
    assert f"pg_dump --format=custom --schema={schema}" in err and "pg_restore" in err
    assert "Traceback" not in err
    assert not dest.exists()
