"""API keys over HTTP (issue 16 "Keys"): created with a name and a role (a distributor key
with its distributor), the secret answered once and stored hashed, listed without secrets
with their creation and last use, revoked (at once in the serving process; across processes
see test_keys_processes.py) and rotated with an overlap window. Run on both engines."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from teamgraph.shop.keys import MAX_OVERLAP_S, key_digest
from tests.api.conftest import ShopApi
from tests.api.test_relationships import distributor, get, listed, ok, refused

MakeShop = Any


@pytest.fixture
def s(make_shop: MakeShop) -> ShopApi:
    shop: ShopApi = make_shop()
    return shop


@pytest.fixture
def connect(s: ShopApi) -> Iterator[Any]:
    """Clients for keys made over the API, closed afterwards."""
    made: list[httpx.Client] = []

    def client(key: str) -> httpx.Client:
        made.append(
            httpx.Client(base_url=s.url, headers={"Authorization": f"Bearer {key}"}, timeout=30)
        )
        return made[-1]

    yield client
    for c in made:
        c.close()


def until_refused(client: httpx.Client, deadline_s: float = 10.0) -> httpx.Response:
    """Poll ``client`` until its key is refused (401), within a deadline (no timed assertion:
    the deadline only bounds a failing test)."""
    end = time.monotonic() + deadline_s
    while True:
        response = client.get("/v1/settings")
        if response.status_code == 401 or time.monotonic() > end:
            return response
        time.sleep(0.05)


def test_a_key_is_created_with_a_name_its_secret_shown_once_and_listed_without_it(
    s: ShopApi, connect: Any
) -> None:
    m = s.merchant
    made = ok(m.post("/v1/keys", json={"name": "报表 job", "role": "analyst"}), 201)
    secret, record = made["key"], made["record"]
    assert secret.startswith(f"{s.shop.id}.")
    assert record["name"] == "报表 job" and record["role"] == "analyst"
    assert record["status"] == "active" and record["center_session"] is False
    assert record["id"].startswith("key_") and len(record["id"]) == 20
    assert record["last_used_at"] is None
    analyst = connect(secret)
    assert ok(analyst.get("/v1/settings"))
    refused(analyst.post("/v1/keys", json={"name": "x", "role": "merchant"}), 403, "auth.forbidden")
    items = listed(m, "/v1/keys")
    mine = next(k for k in items if k["id"] == record["id"])
    assert mine["last_used_at"] is not None, "the first use is recorded (K-6)"
    text = json.dumps(items)
    hidden = secret.split(".", 1)[1]
    assert hidden not in text and key_digest(hidden) not in text, "never a secret or a hash"
    assert ok(m.get(f"/v1/keys/{record['id']}"))["name"] == "报表 job"


def test_a_distributor_key_names_an_existing_distributor(s: ShopApi, connect: Any) -> None:
    m = s.merchant
    distributor(m, "D1")
    made = ok(
        m.post("/v1/keys", json={"name": "D1 app", "role": "distributor", "distributor_id": "D1"}),
        201,
    )
    assert made["record"]["distributor_id"] == "D1"
    own = connect(made["key"])
    assert ok(own.get("/v1/distributors/D1"))["id"] == "D1"
    refused(
        m.post("/v1/keys", json={"name": "x", "role": "distributor", "distributor_id": "nobody"}),
        404,
        "distributor.not_found",
    )
    refused(m.post("/v1/keys", json={"name": "x", "role": "distributor"}), 422, "key.distributor")
    refused(
        m.post("/v1/keys", json={"name": "x", "role": "merchant", "distributor_id": "D1"}),
        422,
        "key.distributor",
    )
    assert m.post("/v1/keys", json={"name": "", "role": "merchant"}).status_code == 422


def test_a_revoked_key_is_refused_and_revoking_is_idempotent(s: ShopApi, connect: Any) -> None:
    m = s.merchant
    made = ok(m.post("/v1/keys", json={"name": "old", "role": "merchant"}), 201)
    other = connect(made["key"])
    assert ok(other.get("/v1/settings"))
    kid = made["record"]["id"]
    revoked = ok(m.post(f"/v1/keys/{kid}/revoke", json={"reason": "leaked"}))
    assert revoked["status"] == "revoked" and revoked["revoked_at"] is not None
    assert until_refused(other).status_code == 401
    again = ok(m.post(f"/v1/keys/{kid}/revoke"))
    assert again["revoked_at"] == revoked["revoked_at"], "idempotent: the first revocation stays"
    assert kid not in {k["id"] for k in listed(m, "/v1/keys")}
    assert kid in {k["id"] for k in listed(m, "/v1/keys", ended="true")}
    audited = listed(m, "/v1/audit", kind="key.revoke")
    assert [c["object_id"] for c in audited] == [kid], "one Change for two revocations"
    refused(m.post("/v1/keys/key_0000000000000000/revoke"), 404, "key.not_found")
    refused(m.post("/v1/keys/nonsense/revoke"), 404, "key.not_found")


def test_a_key_may_not_revoke_itself(s: ShopApi, connect: Any) -> None:
    made = ok(s.merchant.post("/v1/keys", json={"name": "self", "role": "merchant"}), 201)
    me = connect(made["key"])
    refused(me.post(f"/v1/keys/{made['record']['id']}/revoke"), 409, "key.self")
    assert ok(me.get("/v1/settings"))


def test_rotation_gives_a_new_secret_and_the_old_one_works_for_the_overlap(
    s: ShopApi, connect: Any
) -> None:
    m = s.merchant
    made = ok(m.post("/v1/keys", json={"name": "backend", "role": "merchant"}), 201)
    old_id = made["record"]["id"]
    old = connect(made["key"])
    rotated = ok(m.post(f"/v1/keys/{old_id}/rotate"), 201)
    new = connect(rotated["key"])
    record = rotated["record"]
    assert record["name"] == "backend" and record["role"] == "merchant"
    assert record["rotated_from"] == old_id and record["id"] != old_id
    assert ok(new.get("/v1/settings")) and ok(old.get("/v1/settings"))
    old_record = ok(m.get(f"/v1/keys/{old_id}"))
    assert old_record["status"] == "expiring" and old_record["rotated_to"] == record["id"]
    refused(m.post(f"/v1/keys/{old_id}/rotate"), 409, "key.rotated")
    # a rotation with no overlap stops the old secret at once
    now_rotated = ok(m.post(f"/v1/keys/{record['id']}/rotate", json={"overlap_s": 0}), 201)
    assert until_refused(new).status_code == 401
    assert ok(connect(now_rotated["key"]).get("/v1/settings"))
    refused(m.post(f"/v1/keys/{record['id']}/rotate"), 409, "key.rotated")
    latest = now_rotated["record"]["id"]
    assert m.post(f"/v1/keys/{latest}/rotate", json={"overlap_s": -1}).status_code == 422
    too_long = {"overlap_s": MAX_OVERLAP_S + 1}
    assert m.post(f"/v1/keys/{latest}/rotate", json=too_long).status_code == 422
    revoked = ok(m.post("/v1/keys", json={"name": "gone", "role": "analyst"}), 201)["record"]
    ok(m.post(f"/v1/keys/{revoked['id']}/revoke"))
    refused(m.post(f"/v1/keys/{revoked['id']}/rotate"), 409, "key.revoked")


def test_center_sessions_are_listed_marked_and_a_merchant_can_revoke_them(
    s: ShopApi, connect: Any
) -> None:
    m = s.merchant
    distributor(m, "D1")
    token, _ = s.shop.center_link("D1")
    session, _, is_distributor = s.shop.open_center_link(token)
    assert is_distributor
    sessions = [k for k in listed(m, "/v1/keys") if k["center_session"]]
    assert len(sessions) == 1
    [one] = sessions
    assert (one["role"], one["distributor_id"], one["status"]) == ("distributor", "D1", "expiring")
    as_session = connect(session)
    assert ok(as_session.get("/v1/distributors/D1"))
    refused(m.post(f"/v1/keys/{one['id']}/rotate"), 409, "key.session")
    ok(m.post(f"/v1/keys/{one['id']}/revoke"))
    assert until_refused(as_session).status_code == 401


def test_the_list_is_newest_first_and_paged(s: ShopApi) -> None:
    m = s.merchant
    for i in range(4):
        ok(m.post("/v1/keys", json={"name": f"k{i}", "role": "analyst"}), 201)
    everything = listed(m, "/v1/keys", limit=500)
    assert listed(m, "/v1/keys", limit=1) == everything
    created = [k["created_at"] for k in everything]
    assert created == sorted(created, reverse=True)
    assert {k["name"] for k in everything} >= {"k0", "k1", "k2", "k3"}
    assert get(m, "/v1/keys", limit=2)["next_cursor"] is not None
