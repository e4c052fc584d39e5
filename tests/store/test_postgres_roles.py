"""PostgreSQL roles a team's DBA sets up: a role that owns only its schema, a read-only auditor."""

from __future__ import annotations

from typing import Iterator

import pytest

from sopframe.core.migrations import migrate
from sopframe.core.store import SCHEMA_VERSION, open_store
from sopframe.errors import StoreError
from sopframe.pluginmanager import load_plugins

from .pgroles import temporary_role


@pytest.fixture
def schema_owner_url(postgres_empty_url: str) -> Iterator[str]:
    """The store URL as a role that owns the (existing) schema and holds no CREATE on the database."""
    with temporary_role(postgres_empty_url, "owner", ['CREATE SCHEMA "{schema}" AUTHORIZATION {role}'],
                        ['DROP SCHEMA IF EXISTS "{schema}" CASCADE']) as url:
        yield url


def test_a_role_owning_only_its_schema_can_init_and_migrate(schema_owner_url: str) -> None:
    """`store init` must not need CREATE on the database when the schema is already there."""
    from sopframe_plugins.store_postgres import PostgresStore

    with PostgresStore(schema_owner_url) as store:
        assert [m.version for m in migrate(store)][-1] == SCHEMA_VERSION
        assert migrate(store) == []
    open_store(schema_owner_url, load_plugins()).close()


@pytest.fixture
def plain_role_url(postgres_empty_url: str) -> Iterator[str]:
    """The store URL (its schema not created) as a role that may not create schemas."""
    with temporary_role(postgres_empty_url, "plain") as url:
        yield url


def test_init_of_a_missing_schema_the_role_may_not_create_says_what_to_do(plain_role_url: str) -> None:
    """A mistyped schema= name is answered with the name and the statement a DBA runs, not "permission denied"."""
    from sopframe_plugins.store_postgres import PostgresStore, split_url

    schema = split_url(plain_role_url)[1]
    with PostgresStore(plain_role_url) as store, pytest.raises(StoreError, match=f"schema '{schema}' does not exist") \
            as info:
        migrate(store)
    assert f"CREATE SCHEMA {schema} AUTHORIZATION plain_" in (info.value.hint or "")
