"""The server on PostgreSQL outlives the database dropping its connections (a restart): 503s, then service."""

from __future__ import annotations

from pathlib import Path

from serversupport import make_server, sign_in
from store.conftest import postgres_empty_url, postgres_server, postgres_url  # noqa: F401 - fixtures


def _drop_connections(server_url: str, pids: list[int]) -> None:
    """What a database restart does to the server's connections: each ended by the server, and gone."""
    import psycopg

    with psycopg.connect(server_url, autocommit=True) as db:
        for pid in pids:
            db.execute("SELECT pg_terminate_backend(%s)", (pid,))
        while db.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = ANY(%s)", (pids,)).fetchone()[0]:
            db.execute("SELECT pg_sleep(0.05)")


def test_requests_are_served_again_after_the_database_drops_every_connection(
        tmp_path: Path, postgres_server: str, postgres_url: str) -> None:  # noqa: F811
    server = make_server(tmp_path, store_url=postgres_url)
    try:
        with server.client() as client:  # one event loop throughout: its serving threads (and connections) stay
            assert sign_in(client, "alice").status_code == 303
            assert client.get("/api/v1/jobs").status_code == 200
            held = list(server.state._held)
            _drop_connections(postgres_server, [h.engine.store.db.info.backend_pid for h in held])
            # each lost connection costs at most the request that found it lost (a 503 saying so), never more
            codes = [client.get("/api/v1/jobs").status_code for _ in range(len(held) + 1)]
            assert set(codes[:-1]) <= {200, 503} and codes[-1] == 200, codes
            assert client.get("/").status_code == 200  # the board
    finally:
        server.state.close()
