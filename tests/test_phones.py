"""Phones (docs/choices.md P-1 to P-3): one E.164 form for every way a number is written, the
keyed digest that is all the graph keeps of it, and the installation's secret: made once with
0600 rights in the data directory, the same for every process after it, overridden by
``TEAMGRAPH_PHONE_KEY``."""

from __future__ import annotations

import hashlib
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from structlog.testing import capture_logs

from teamgraph import phones
from teamgraph.config import Settings
from teamgraph.errors import TeamgraphError, ValidationError
from teamgraph.graph import Engine
from tests.conftest import ROOT, plain_env, run_cli

KEY = "ab" * 32


@pytest.mark.parametrize(
    ("written", "e164"),
    [
        ("17300000001", "+8617300000001"),  # CN without a country code: +86
        ("+86 17300000001", "+8617300000001"),
        ("+8617300000001", "+8617300000001"),
        ("0086 173 0000 0001", "+8617300000001"),  # the international prefix from China
        ("173-0000-0001", "+8617300000001"),
        ("173 0000 0001", "+8617300000001"),
        ("(173) 0000.0001", "+8617300000001"),
        ("  17300000001 ", "+8617300000001"),
        ("１７３０００００００１", "+8617300000001"),  # full-width digits, as IMEs type them
        ("010-12345678", "+861012345678"),  # a Beijing fixed line
        ("+1 650-253-0000", "+16502530000"),  # a foreign number keeps its country
        ("+44 20 7031 3000", "+442070313000"),
    ],
)
def test_p1_a_number_is_read_as_e164(written: str, e164: str) -> None:
    assert phones.normalize(written) == e164


@pytest.mark.parametrize(
    "garbage",
    [
        "",
        "   ",
        "1",
        "12",
        "abc",
        "not a phone",
        "17300000001 ext. 5",  # letters: refused, not silently dropped
        "1-800-FLOWERS",
        "+999 1234 5678",  # no such country code
        "+86 1",
        "1" * 40,
        "+86 173 0000 0001 23456",
        "17300000001\x00",
        "+",
        "--",
    ],
)
def test_p1_what_is_not_a_number_is_refused_naming_the_field(garbage: str) -> None:
    with pytest.raises(ValidationError) as caught:
        phones.normalize(garbage, field="value")
    assert caught.value.code == "phone.invalid" and caught.value.field == "value"
    assert caught.value.status == 422 and "not a phone number" in caught.value.message


def test_p2_the_digest_is_keyed_one_per_number_and_not_the_sha256() -> None:
    key = phones.PhoneKey(bytes.fromhex(KEY))
    forms = ("17300000001", "+86 17300000001", "173-0000-0001")
    digests = {key.digest(f) for f in forms}
    assert len(digests) == 1
    (digest,) = digests
    assert len(digest) == 43 and not phones.is_legacy(digest)
    plain = {hashlib.sha256(t.encode()).hexdigest() for t in (*forms, "+8617300000001")}
    assert digest not in plain and phones.legacy_digest("17300000001") in plain
    assert phones.is_legacy(phones.legacy_digest("17300000001"))
    other = phones.PhoneKey(bytes.fromhex("cd" * 32))
    assert other.digest("17300000001") != digest  # without the key, no way to the digest
    assert key.digest("17300000002") != digest
    assert KEY not in repr(key) and "ab" * 4 not in repr(key)


def test_p3_the_key_file_is_made_once_with_0600_and_reused(tmp_path: Path) -> None:
    data = tmp_path / "fresh"  # not there yet: the first start makes it
    old = os.umask(0)  # the rights do not depend on the umask
    try:
        first = phones.load_key(data)
    finally:
        os.umask(old)
    path = data / phones.KEY_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(bytes.fromhex(path.read_text().strip())) == phones.KEY_BYTES
    assert [p.name for p in data.iterdir()] == [phones.KEY_FILE]  # no temporary file left
    again = phones.load_key(data)  # a second start reads it back
    assert again.digest("17300000001") == first.digest("17300000001")
    assert path.read_text() == (data / phones.KEY_FILE).read_text()


def test_p3_a_key_file_others_can_read_is_used_and_warned_about(tmp_path: Path) -> None:
    made = phones.load_key(tmp_path)
    (tmp_path / phones.KEY_FILE).chmod(0o644)
    with capture_logs() as logged:
        again = phones.load_key(tmp_path)
    assert again.digest("17300000001") == made.digest("17300000001")
    assert [e["event"] for e in logged] == ["phone.key_readable"]
    assert logged[0]["log_level"] == "warning" and "chmod 600" in logged[0]["advice"]


def test_p3_the_environment_override_wins(tmp_path: Path) -> None:
    from_file = phones.load_key(tmp_path)
    overridden = phones.load_key(tmp_path, KEY)
    assert overridden.digest("17300000001") == phones.PhoneKey(bytes.fromhex(KEY)).digest(
        "+8617300000001"
    )
    assert overridden.digest("17300000001") != from_file.digest("17300000001")
    elsewhere = tmp_path / "none"
    phones.load_key(elsewhere, KEY)
    assert not elsewhere.exists()  # with the override no file is made
    settings = Settings(TEAMGRAPH_DATA=str(elsewhere), TEAMGRAPH_PHONE_KEY=KEY.upper())
    assert settings.phone_key is not None and KEY not in repr(settings)


@pytest.mark.parametrize("bad", ["", "xyz", "ab" * 16, "ab" * 32 + "a"])
def test_p3_a_key_that_is_not_32_bytes_of_hex_is_refused(tmp_path: Path, bad: str) -> None:
    with pytest.raises(TeamgraphError) as caught:
        phones.load_key(tmp_path, bad)
    assert caught.value.code == "phone.key_invalid"
    (tmp_path / phones.KEY_FILE).write_text(bad)  # nor is a damaged file replaced
    with pytest.raises(TeamgraphError):
        phones.load_key(tmp_path)
    assert (tmp_path / phones.KEY_FILE).read_text() == bad


def test_p3_a_damaged_key_stops_a_command_with_one_line(tmp_path: Path) -> None:
    (tmp_path / phones.KEY_FILE).write_text("not hex\n")
    done = run_cli(tmp_path, "shop", "create", "acme", env=plain_env(tmp_path))
    assert done.returncode == 1
    assert "error: phone.key_invalid:" in done.stderr and "Traceback" not in done.stderr
    assert (tmp_path / phones.KEY_FILE).read_text() == "not hex\n"  # never replaced
    assert not (tmp_path / "engine.json").exists()  # refused before any engine started


def test_p3_processes_starting_together_make_one_key(tmp_path: Path) -> None:
    script = (
        "import sys; from pathlib import Path; from teamgraph import phones; "
        "print(phones.load_key(Path(sys.argv[1])).digest('17300000001'))"
    )
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", script, str(tmp_path)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        for _ in range(6)
    ]
    digests = {p.communicate(timeout=60)[0].strip() for p in procs}
    assert len(digests) == 1 and "" not in digests
    assert phones.load_key(tmp_path).digest("17300000001") in digests


def test_p3_the_engine_carries_the_installations_key(engine: Engine, data_dir: Path) -> None:
    """connect() reads the key once; every store the engine opens hashes with it."""
    assert engine.phones is not None
    store = engine.open("keyed")
    assert store.phones is engine.phones
    if engine.kind == "falkordb-embedded":  # the session's data directory holds it
        on_disk = phones.load_key(data_dir)
        assert engine.phones.digest("17300000001") == on_disk.digest("17300000001")
