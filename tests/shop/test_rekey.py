"""Re-keying old phone digests (docs/choices.md P-4): a shop stored before keyed digests holds
SHA-256 hex of each phone as written; ``teamgraph shop rekey-phones`` re-keys the ones the
merchant's files give the numbers of, seals the rest (keyed as they are: old links kept, no
longer reversible) until their numbers turn up, and writes nothing without --apply. On both
engines, the CLI in its own process."""

from __future__ import annotations

from pathlib import Path

import pytest

from teamgraph.errors import ValidationError
from teamgraph.etl import rekey
from teamgraph.graph import Engine
from teamgraph.phones import is_legacy, is_sealed, legacy_digest
from teamgraph.shop import Shop
from tests.conftest import engine_env, run_cli
from tests.shop.conftest import T0, ShopFactory

OLD = {  # customer -> the phone as it was written when stored (hashed the old way)
    "c1": "17300000001",
    "c2": "+86 17300000001",  # the same number: linked only once re-keyed
    "c3": "13900000003",  # in no file at first: sealed
}


def _old_shop(shop: Shop) -> None:
    shop.bulk.create_customers(
        [{"id": c, "phone_hash": legacy_digest(p), "phone_verified": True} for c, p in OLD.items()]
    )
    shop.bulk.add_signals(
        "phone",
        [
            {"customer_id": "c1", "value": legacy_digest(OLD["c1"]), "first_seen": T0 + 5,
             "last_seen": T0 + 50},
            {"customer_id": "c2", "value": legacy_digest(OLD["c2"]), "first_seen": T0 + 1,
             "last_seen": T0 + 9},
            {"customer_id": "c3", "value": legacy_digest(OLD["c3"]), "first_seen": T0,
             "last_seen": T0},
        ],
    )  # fmt: skip


def _state(shop: Shop) -> tuple[dict[str, str | None], dict[str, dict[str, tuple[int, int]]]]:
    """Each customer's digest, and each Phone node's links (customer -> first, last seen)."""
    ids = sorted(OLD)
    digests = {r["id"]: r["phone_hash"] for r in shop.bulk.stored("members", ids)}
    links: dict[str, dict[str, tuple[int, int]]] = {}
    for r in shop.bulk.stored("signals", ids):
        links.setdefault(r["value"], {})[r["customer_id"]] = (r["first_seen"], r["last_seen"])
    return digests, links


def test_p4_rekey_phones_from_the_merchants_files_and_seal_the_rest(
    make_shop: ShopFactory, engine: Engine, data_dir: Path, tmp_path: Path
) -> None:
    shop = make_shop()
    _old_shop(shop)
    before = _state(shop)
    customers = tmp_path / "customers.csv"
    customers.write_text('id,phone\nc1,17300000001\nc9,"13800000009"\nc8,"not a phone"\n')
    signals = tmp_path / "signals.csv"
    signals.write_text('customer_id,kind,value\nc2,phone," +86 17300000001"\nc2,device,d\n')
    env = engine_env(engine, data_dir)  # the session's engine (and its installation's key)
    cli = ("shop", "rekey-phones", shop.id, str(customers), str(signals))

    dry = run_cli(tmp_path, *cli, env=env)
    assert dry.returncode == 2, dry.stderr  # something to do, nothing done
    assert "3 unkeyed and 0 sealed old phone digests: 2 re-keyed" in dry.stdout, dry.stdout
    assert "1 sealed" in dry.stdout and "dry run" in dry.stdout
    assert _state(shop) == before

    done = run_cli(tmp_path, *cli, "--apply", env=env)
    assert done.returncode == 0, done.stderr
    assert "3 customers and 3 phone signal links changed" in done.stdout, done.stdout
    assert "1 sealed digests wait for their numbers" in done.stdout
    assert engine.phones is not None
    keyed = engine.phones.digest_e164("+8617300000001")  # the CLI's key is the test's
    sealed = engine.phones.seal(legacy_digest(OLD["c3"]))
    assert is_sealed(sealed) and not is_legacy(sealed)
    digests, links = _state(shop)
    assert digests == {"c1": keyed, "c2": keyed, "c3": sealed}
    assert links == {
        keyed: {"c1": (T0 + 5, T0 + 50), "c2": (T0 + 1, T0 + 9)},  # now one phone, two accounts
        sealed: {"c3": (T0, T0)},
    }
    again = run_cli(tmp_path, *cli, env=env)  # nothing old is left unkeyed; nothing to do
    assert again.returncode == 0, again.stdout
    assert "0 unkeyed and 1 sealed old phone digests: 0 re-keyed" in again.stdout

    c3 = tmp_path / "c3.csv"  # the number of the sealed one turns up later
    c3.write_text("phone\n13900000003\n")
    late = run_cli(tmp_path, "shop", "rekey-phones", shop.id, str(c3), "--apply", env=env)
    assert late.returncode == 0, late.stderr
    assert "1 re-keyed" in late.stdout and "0 sealed digests wait" in late.stdout
    digests, links = _state(shop)
    late_key = engine.phones.digest("13900000003")
    assert digests == {"c1": keyed, "c2": keyed, "c3": late_key}
    assert set(links) == {keyed, late_key}
    assert not any(is_legacy(d) or is_sealed(d) for d in [*digests.values(), *links] if d)
    verified = {r["id"]: r["phone_verified"] for r in shop.bulk.stored("members", sorted(OLD))}
    assert verified == {"c1": True, "c2": True, "c3": True}


def test_p4_sealing_keeps_old_links_and_a_file_needs_a_phone_column(
    make_shop: ShopFactory, tmp_path: Path
) -> None:
    shop = make_shop()
    _old_shop(shop)
    shop.bulk.add_signals("phone", [{"customer_id": "c2", "value": legacy_digest(OLD["c3"])}])
    report = shop.rekey_phones([], apply=True)  # no numbers at all: everything sealed
    assert (report.rekeyed, report.sealed, report.waiting) == (0, 3, 3)
    _, links = _state(shop)
    assert sorted(sorted(m) for m in links.values()) == [["c1"], ["c2"], ["c2", "c3"]]
    assert all(is_sealed(d) for d in links)

    orders = tmp_path / "orders.csv"
    orders.write_text("id,customer_id\no1,c1\n")
    with pytest.raises(ValidationError) as caught:
        rekey.rekey_phones(shop, [orders], apply=True)
    assert caught.value.code == "import.columns" and "--map" in caught.value.message
    users = tmp_path / "users.csv"
    users.write_text("uid,mobile\nc3,13900000003\n")
    report = rekey.rekey_phones(shop, [users], mapping={"mobile": "phone"}, apply=True)
    assert (report.rekeyed, report.customers, report.links, report.waiting) == (1, 1, 2, 2)
