"""Acknowledging an SOP from the server: the audience reads the version and acknowledges it as themselves.

The same record writer as ``sopframe ack`` (``sopframe.services.sops.sop_records``): the signed-in user is
the person recorded; only the audience may; the version the page showed is the one acknowledged.
"""

from __future__ import annotations

import re
from typing import Any

from serversupport import Server, sign_in, token_for

from sopframe.testing.sop_lifecycle import publish

from .test_reports_api import REF, sops  # noqa: F401 - the fixture: SOP-T-001 for responder and group:oncall

ATTESTATION = "I have read this procedure and will follow it."


def _status(server: Server, client: Any, user: str) -> str:
    r = client.get(f"/api/v1/training?sop={REF}", headers=token_for(server, user, "read"))
    (item,) = r.json()["items"]
    return {p["person"]: p["status"] for p in item["people"]}[user]


def test_an_audience_member_acknowledges_through_the_api(sops: Server) -> None:  # noqa: F811
    publish(sops.state.engine())
    client = sops.client()
    assert _status(sops, client, "rob") != "acknowledged"
    r = client.post(f"/api/v1/sops/{REF}/acknowledgements", json={}, headers=token_for(sops, "rob"))
    assert r.status_code == 201, r.text
    data = r.json()
    assert data["person"] == "rob" and data["ref"] == REF and data["version"] == "1.0.0"
    assert data["attestation"]["text"] == ATTESTATION  # the version's own statement, with its SHA-256
    assert _status(sops, client, "rob") == "acknowledged"
    records = sops.state.engine().store.ack_rows(REF)
    assert [(a.person, a.version) for a in records] == [("rob", "1.0.0")]


def test_only_the_audience_and_only_with_write_access(sops: Server) -> None:  # noqa: F811
    publish(sops.state.engine())
    client = sops.client()
    r = client.post(f"/api/v1/sops/{REF}/acknowledgements", json={}, headers=token_for(sops, "mike"))
    assert r.status_code == 403 and "not in the audience" in r.json()["detail"]
    r = client.post(f"/api/v1/sops/{REF}/acknowledgements", json={}, headers=token_for(sops, "rob", "read"))
    assert r.status_code == 403
    r = client.post(f"/api/v1/sops/{REF}/acknowledgements", json={"version": "0.9"}, headers=token_for(sops, "rob"))
    assert r.status_code == 422 and "never published" in r.json()["detail"]
    r = client.post(f"/api/v1/sops/{REF}/acknowledgements", json={"attest": ""}, headers=token_for(sops, "rob"))
    assert r.status_code == 422  # an empty statement is never taken for agreement to the version's own
    r = client.post("/api/v1/sops/SOP-T-999/acknowledgements", json={}, headers=token_for(sops, "rob"))
    assert r.status_code == 404
    assert sops.state.engine().store.ack_rows(REF) == []


def test_the_training_page_offers_the_form_to_those_who_have_not_acknowledged(sops: Server) -> None:  # noqa: F811
    publish(sops.state.engine())
    client = sops.client()
    assert sign_in(client, "owen").status_code == 303  # in the audience through group:oncall only
    page = client.get("/training")
    assert ATTESTATION in page.text and "acknowledge it</button>" in page.text
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    r = client.post(f"/sops/{REF}/ack", data={"csrf": csrf, "version": "1.0.0"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"/training?sop={REF}"
    page = client.get(r.headers["location"])
    assert 'data-person="owen"' in page.text and "acknowledge it</button>" not in page.text
    assert [a.person for a in sops.state.engine().store.ack_rows(REF)] == ["owen"]


def test_a_form_without_its_token_or_for_a_superseded_version_records_nothing(sops: Server) -> None:  # noqa: F811
    publish(sops.state.engine())
    client = sops.client()
    assert sign_in(client, "rob").status_code == 303
    assert client.post(f"/sops/{REF}/ack", data={"version": "1.0.0"}).status_code == 403
    csrf = re.search(r'name="csrf" value="([^"]+)"', client.get("/training").text).group(1)  # type: ignore[union-attr]
    publish(sops.state.engine(), version="1.1.0")  # published while rob's page was open
    r = client.post(f"/sops/{REF}/ack", data={"csrf": csrf, "version": "1.0.0"})
    assert r.status_code == 422 and "was superseded" in r.text and "role=\"alert\"" in r.text
    assert sops.state.engine().store.ack_rows(REF) == []


def test_the_endpoint_is_in_the_openapi_document(sops: Server) -> None:  # noqa: F811
    paths = sops.client().get("/api/v1/openapi.json").json()["paths"]
    post = paths["/api/v1/sops/{ref}/acknowledgements"]["post"]
    assert "audience" in post["summary"]
    assert "/healthz" not in paths and "/readyz" not in paths  # probes, not part of the API
