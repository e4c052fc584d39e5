"""Login roles a test creates on the PostgreSQL test server (an auditor's, a schema owner's), dropped after."""

from __future__ import annotations

import uuid
from contextlib import contextmanager
from typing import Iterator, Sequence


@contextmanager
def temporary_role(url: str, prefix: str, setup: Sequence[str] = (), teardown: Sequence[str] = ()) -> Iterator[str]:
    """A new login role; ``setup`` and then (after the test) ``teardown`` statements run as the server's owner
    with ``{role}`` and ``{schema}`` filled in.  Yields the store URL as that role."""
    import psycopg

    from sopframe_plugins.store_postgres import split_url

    dsn, schema = split_url(url)
    role = f"{prefix}_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(dsn, autocommit=True) as db:
        db.execute(f"CREATE ROLE {role} LOGIN")
        for sql in setup:
            db.execute(sql.format(role=role, schema=schema))
    try:
        yield url.replace("postgres@", f"{role}@", 1)
    finally:
        with psycopg.connect(dsn, autocommit=True) as db:
            for sql in teardown:
                db.execute(sql.format(role=role, schema=schema))
            db.execute(f"DROP ROLE {role}")


def read_only_role(url: str) -> "contextmanager[str]":  # type: ignore[type-arg]
    """An auditor's role, set up as docs/jobs.md shows: USAGE on the schema, SELECT on its tables."""
    return temporary_role(url, "auditor",
                          ['GRANT USAGE ON SCHEMA "{schema}" TO {role}',
                           'GRANT SELECT ON ALL TABLES IN SCHEMA "{schema}" TO {role}'],
                          ['REVOKE ALL ON ALL TABLES IN SCHEMA "{schema}" FROM {role}',
                           'REVOKE ALL ON SCHEMA "{schema}" FROM {role}'])
