"""The ``teamgraph`` command (typer): shop, key, serve, ui, up, db, load, demo, export, fraud,
webhooks, jobs."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from teamgraph.errors import TeamgraphError

if TYPE_CHECKING:
    from teamgraph.config import Settings
    from teamgraph.graph import Engine

app = typer.Typer(help="teamgraph: a shop's distribution program on a graph.", no_args_is_help=True)
shop_app = typer.Typer(
    help="Create shops and look after them (recount, ladder, team-reward, rekey-phones).",
    no_args_is_help=True,
)
key_app = typer.Typer(help="Create, list and revoke API keys.", no_args_is_help=True)
db_app = typer.Typer(help="The embedded graph engine of TEAMGRAPH_DATA.", no_args_is_help=True)
app.add_typer(shop_app, name="shop")
app.add_typer(key_app, name="key")
app.add_typer(db_app, name="db")
demo_app = typer.Typer(
    help="Synthetic shops for demos, tests and benchmarks.", no_args_is_help=True
)
app.add_typer(demo_app, name="demo")
fraud_app = typer.Typer(help="Fraud-ring detection (docs/rules.md §6).", no_args_is_help=True)
app.add_typer(fraud_app, name="fraud")
webhooks_app = typer.Typer(
    help='Webhook delivery (docs/integration.md "Webhooks").', no_args_is_help=True
)
app.add_typer(webhooks_app, name="webhooks")
jobs_app = typer.Typer(
    help="Scheduled jobs: the ladder bonus, the fraud scan, the signal retention "
    '(docs/operations.md "Scheduled jobs").',
    no_args_is_help=True,
)
app.add_typer(jobs_app, name="jobs")

DEMO_SHOP = "demo"


def _settings() -> Settings:
    from teamgraph import logs
    from teamgraph.config import Settings

    s = Settings()
    logs.configure(s.log_level, s.log_format)
    return s


def _connect() -> Engine:
    """The graph engine of this process's settings. Imported here, as the other heavy modules
    are in the commands that use them, so that ``teamgraph --help`` starts at once."""
    from teamgraph.graph import connect

    return connect(_settings())


def _stop_on_sigterm() -> None:
    """SIGTERM (``kill``, systemd, ``docker stop``) stops this process as Ctrl-C does: through
    its ``finally`` blocks, which stop what it started (the embedded engine with its log
    compacted, the API and UI processes of ``up``), instead of dying on the spot.

    Ctrl-C also works when this process was started with SIGINT ignored (as a shell's
    background job, or under a parent that ignores it): Python then installs no handler of its
    own, and the command could only be killed."""

    def stop(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, stop)


def _refuse_taken_ports(host: str, *ports: int) -> None:
    """Exit 1 with a clear message when a port this command would listen on is taken, before
    anything starts (the engine, a demo shop): not a traceback or "address already in use"
    after the fact."""
    import socket

    for port in ports:
        with socket.socket() as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                sock.bind((host, port))
            except OSError as exc:
                typer.secho(
                    f"error: cannot listen on {host}:{port}: {exc.strerror}; is teamgraph "
                    "already running? Stop it or choose another port.",
                    fg="red",
                    err=True,
                )
                raise typer.Exit(1) from None


def _iso_ms(text: str) -> int:
    """An ISO 8601 time (a date alone: its midnight at +08:00, the generator's offset) as epoch
    ms; ValueError when it is not one."""
    from datetime import datetime, timedelta, timezone

    when = datetime.fromisoformat(text)
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone(timedelta(hours=8)))
    return int(when.timestamp() * 1000)


def _fail(exc: TeamgraphError) -> None:
    rule = f" ({exc.rule})" if exc.rule else ""
    typer.secho(f"error: {exc.code}{rule}: {exc.message}", fg="red", err=True)
    raise typer.Exit(1)


@shop_app.command("create")
def shop_create(
    shop: str,
    settings_file: Annotated[
        Path | None, typer.Option("--settings", help="JSON file with initial settings")
    ] = None,
) -> None:
    """Create SHOP (idempotent)."""
    from teamgraph.shop import Shop

    settings = json.loads(settings_file.read_text()) if settings_file else None
    engine = _connect()
    try:
        Shop.create(engine, shop, settings)
        typer.echo(shop)
    except TeamgraphError as exc:
        _fail(exc)
    finally:
        engine.close()


@shop_app.command("recount")
def shop_recount(
    shop: str,
    apply: Annotated[bool, typer.Option(help="write the recomputed counters")] = False,
) -> None:
    """Check the team counters against the relationships (and repair them with --apply)."""
    from teamgraph.shop import Shop

    engine = _connect()
    try:
        wrong = Shop.open(engine, shop).recount(apply=apply)
    except TeamgraphError as exc:
        _fail(exc)
    finally:
        engine.close()
    for row in wrong:
        typer.echo(json.dumps(row, ensure_ascii=False))
    verb = "repaired" if apply else "differ"
    typer.echo(f"{len(wrong)} distributors' counters {verb}", err=True)
    if wrong and not apply:
        raise typer.Exit(2)


@shop_app.command("rekey-phones")
def shop_rekey_phones(
    shop: str,
    files: Annotated[
        list[Path] | None,
        typer.Argument(
            help="files holding the phones as they were stored: customers (phone), signals "
            "(kind, value), CRMEB eb_user (phone); CSV, Excel, Parquet or JSON Lines"
        ),
    ] = None,
    map_: Annotated[
        list[str] | None, typer.Option("--map", help="rename a column: SRC=phone (repeatable)")
    ] = None,
    encoding: Annotated[
        str | None, typer.Option(help="CSV encoding (default: detected; UTF-8, BOM, GBK)")
    ] = None,
    apply: Annotated[bool, typer.Option(help="write; without it, only report")] = False,
) -> None:
    """Replace the shop's old phone digests (unkeyed SHA-256, reversible) (docs/choices.md P-4).

    An old digest whose number FILES give becomes that number's keyed digest; every other one
    is sealed (keyed as it is: old links kept, no longer reversible) until a later run is given
    its number. Without --apply nothing is written, and the exit status is 2 while a run would
    change something."""
    from teamgraph.etl import importer, rekey
    from teamgraph.shop import Shop

    engine = _connect()
    try:
        report = rekey.rekey_phones(
            Shop.open(engine, shop),
            files or [],
            mapping=importer.parse_mapping(map_),
            encoding=encoding,
            apply=apply,
        )
    except TeamgraphError as exc:
        _fail(exc)
    finally:
        engine.close()
    typer.echo(report.summary())
    if report.changes and not apply:
        raise typer.Exit(2)


def _award_month(shop: str, month: str, what: str, award: str) -> None:
    """Run a monthly award (``Shop.<award>(month)``) and print what it wrote: one JSON line per
    entry, then how many ``what`` were awarded."""
    from teamgraph.shop import Shop

    engine = _connect()
    try:
        rows = getattr(Shop.open(engine, shop), award)(month)
    except TeamgraphError as exc:
        _fail(exc)
    finally:
        engine.close()
    for row in rows:
        typer.echo(json.dumps(row, ensure_ascii=False))
    typer.echo(f"{len(rows)} {what} awarded for {month}", err=True)


MONTH = Annotated[str, typer.Option(help="calendar month, YYYY-MM (shop time zone)")]


@shop_app.command("ladder")
def shop_ladder(shop: str, month: MONTH) -> None:
    """Award the monthly ladder bonus (R-3.13) for MONTH; safe to run again (`teamgraph serve`
    runs it by itself on the 1st: the `ladder` job)."""
    _award_month(shop, month, "bonuses", "award_ladder")


@shop_app.command("team-reward")
def shop_team_reward(shop: str, month: MONTH) -> None:
    """Award the monthly team reward (docs/choices.md TR-1) for MONTH; safe to run again
    (`teamgraph serve` runs it by itself on the 1st: the `team-reward` job)."""
    _award_month(shop, month, "team rewards", "award_team_reward")


@key_app.command("create")
def key_create(
    shop: Annotated[str, typer.Option(help="the shop the key belongs to")],
    role: Annotated[str, typer.Option(help="merchant, analyst or distributor")],
    distributor: Annotated[str | None, typer.Option(help="for a distributor key: its id")] = None,
    name: Annotated[
        str | None, typer.Option(help="a name for the key (lists and the audit log show it)")
    ] = None,
) -> None:
    """Create a key and print it alone on stdout (it is not stored in clear). Its public id
    (for `key list` and `key revoke`) goes to stderr. Audited as `key.create` by `cli`."""
    from teamgraph.shop import Actor, Shop

    engine = _connect()
    try:
        key, record = Shop.open(engine, shop).new_key(
            role, distributor, name=name, actor=Actor.system("cli")
        )
    except TeamgraphError as exc:
        _fail(exc)
    finally:
        engine.close()
    typer.echo(key)
    typer.echo(f"created {record['id']}", err=True)


@key_app.command("list")
def key_list(
    shop: Annotated[str, typer.Option(help="the shop whose keys to list")],
    ended: Annotated[bool, typer.Option(help="also revoked and expired keys")] = False,
) -> None:
    """Print the shop's keys, newest first, one JSON object a line (never a secret)."""
    from teamgraph.shop import Shop

    engine = _connect()
    try:
        opened = Shop.open(engine, shop)
        cursor = None
        while True:
            page = opened.keys(ended=ended, limit=500, cursor=cursor)
            for record in page["items"]:
                typer.echo(json.dumps(record, ensure_ascii=False))
            cursor = page["next_cursor"]
            if cursor is None:
                break
    except TeamgraphError as exc:
        _fail(exc)
    finally:
        engine.close()


@key_app.command("revoke")
def key_revoke(
    key_id: Annotated[str, typer.Argument(help="the key's public id (key_…), from `key list`")],
    shop: Annotated[str, typer.Option(help="the shop the key belongs to")],
    reason: Annotated[str | None, typer.Option(help="why, for the audit log")] = None,
) -> None:
    """Revoke a key: refused by every API process within a second. Audited as `key.revoke`
    by `cli`."""
    from teamgraph.shop import Actor, Shop

    engine = _connect()
    try:
        record = Shop.open(engine, shop).revoke_key(
            key_id, actor=Actor.system("cli"), reason=reason
        )
    except TeamgraphError as exc:
        _fail(exc)
    finally:
        engine.close()
    typer.echo(json.dumps(record, ensure_ascii=False))


@app.command()
def serve(
    host: str = "127.0.0.1",
    port: int = 8000,
    workers: Annotated[
        int, typer.Option(min=1, help="API processes sharing the port (docs/api.md)")
    ] = 1,
) -> None:
    """Run the API (embedded engine unless NEO4J_URI or FALKORDB_URL is set)."""
    import uvicorn

    from teamgraph.api import create_app

    _refuse_taken_ports(host, port)
    settings = _settings()
    # uvicorn handles SIGINT and SIGTERM alike (the lifespan closes the engine); no access log:
    # a line per request is an operator's choice (a proxy's log), not a default
    if workers == 1:
        app_ = create_app(settings)
        uvicorn.run(app_, host=host, port=port, log_level="warning", access_log=False)
        return
    engine = _connect()  # this process owns the embedded engine while its workers use it
    try:
        uvicorn.run(
            "teamgraph.api.app:from_environment",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            log_level="warning",
            access_log=False,
        )
    finally:
        engine.close()


@app.command()
def ui(host: str = "127.0.0.1", port: int = 8050) -> None:
    """Run the analytics UI (Dash, served by waitress)."""
    import waitress

    from teamgraph.dashboards import create_app as create_ui
    from teamgraph.graph import connect

    _refuse_taken_ports(host, port)
    _stop_on_sigterm()
    settings = _settings()
    engine = connect(settings)
    try:
        ui_app = create_ui(engine, webhooks_private_urls=settings.webhooks_private_urls)
        # a production WSGI server, not Flask's development one; it logs no request lines
        waitress.serve(ui_app.server, host=host, port=port, threads=8)
    except KeyboardInterrupt:
        pass
    finally:
        engine.close()


def _wait_http(url: str, proc: subprocess.Popen[bytes], timeout: float = 60.0) -> None:
    import httpx

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            typer.secho(f"{url}: the process exited with {proc.returncode}", fg="red", err=True)
            raise typer.Exit(1)
        try:
            if httpx.get(url, timeout=1).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    typer.secho(f"{url} did not answer within {timeout}s", fg="red", err=True)
    raise typer.Exit(1)


@app.command()
def up(
    host: str = "127.0.0.1",
    api_port: int = 8000,
    ui_port: int = 8050,
    shop: str = DEMO_SHOP,
) -> None:
    """Start the engine, the API and the UI with a demo shop; Ctrl-C stops all of it."""
    from urllib.parse import urlencode

    from teamgraph.etl import demo
    from teamgraph.graph import connect
    from teamgraph.shop import Shop

    _stop_on_sigterm()
    _refuse_taken_ports(host, api_port, ui_port)
    settings = _settings()
    _refuse_running_engine(settings)
    engine = connect(settings)  # starts the embedded engine and owns it
    children: list[subprocess.Popen[bytes]] = []
    failed = False
    try:
        if shop not in engine.shops():
            typer.echo(f"creating the demo shop {shop!r} ...")
            _, counts = demo.create(engine, shop)
            typer.echo("  " + demo.describe(counts))
        found = Shop.open(engine, shop).scan()
        typer.echo(f"  fraud scan: {found.summary()}")
        opened = Shop.open(engine, shop)
        key = opened.create_key("merchant")
        top = opened.distributor_table(sort="sales", limit=1)["items"]
        cmd = [sys.executable, "-m", "teamgraph"]
        env = dict(os.environ, TEAMGRAPH_DATA=str(settings.data_dir))
        children.append(
            subprocess.Popen([*cmd, "serve", "--host", host, "--port", str(api_port)], env=env)
        )
        children.append(
            subprocess.Popen([*cmd, "ui", "--host", host, "--port", str(ui_port)], env=env)
        )
        api_url, ui_url = f"http://{host}:{api_port}", f"http://{host}:{ui_port}"
        _wait_http(f"{api_url}/v1/health", children[0])
        _wait_http(ui_url, children[1])
        typer.secho("\nteamgraph is up", bold=True)
        typer.echo(f"  API       {api_url}   (docs: {api_url}/docs)")
        typer.echo(f"  UI        {ui_url}")
        typer.echo(f"  shop      {shop}")
        if top:  # the distributor center of the demo's best seller, on a phone (issue 15)
            token, _ = opened.center_link(str(top[0]["id"]))
            link = f"{api_url}/center/enter?{urlencode({'t': token})}"
            typer.echo(f"  distributor center  {link}  (open once within 5 minutes)")
        typer.echo(f"  merchant key  {key}")
        typer.echo("Ctrl-C stops the API, the UI and the graph engine.")
        while all(c.poll() is None for c in children):
            time.sleep(0.5)
        gone = next(c for c in children if c.poll() is not None)
        typer.secho(f"a teamgraph process exited ({gone.returncode}); stopping the rest", fg="red",
                    err=True)  # fmt: skip
        failed = True
    except KeyboardInterrupt:
        typer.echo("\nstopping ...")
    except TeamgraphError as exc:
        _fail(exc)
    finally:
        for child in children:
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        for child in children:
            try:
                child.wait(15)
            except subprocess.TimeoutExpired:
                child.kill()
        engine.close()
    if failed:
        raise typer.Exit(1)


def _refuse_running_engine(settings: Settings) -> None:
    """``up`` runs a demo of its own: a data directory whose engine another process runs (an
    ``up`` already started, a ``serve``) is refused, exit 1, rather than shared by accident."""
    if settings.engine_kind != "falkordb-embedded":
        return
    from teamgraph.graph.embedded import EmbeddedServer

    rec = EmbeddedServer(settings.data_dir).record()
    if rec is not None:
        typer.secho(
            f"error: an engine already runs on {settings.data_dir} (pid {rec['pid']}, port "
            f"{rec['port']}): is teamgraph already up? Stop it (Ctrl-C, or `teamgraph db stop` "
            "for a detached one), or set TEAMGRAPH_DATA to another directory.",
            fg="red",
            err=True,
        )
        raise typer.Exit(1)


@db_app.command("start")
def db_start() -> None:
    """Start the embedded engine detached; it runs until `teamgraph db stop`."""
    from teamgraph.graph.embedded import EmbeddedServer

    s = _settings()
    try:
        handle = EmbeddedServer(s.data_dir, port=s.engine_port, timeout=s.engine_start_timeout)
        h = handle.start_detached()
    except TeamgraphError as exc:
        _fail(exc)
    typer.echo(f"engine on {h.host}:{h.port} (pid {h.pid}), data in {s.data_dir}")


@db_app.command("stop")
def db_stop() -> None:
    """Stop the embedded engine of TEAMGRAPH_DATA (its AOF is flushed first)."""
    from teamgraph.graph.embedded import EmbeddedServer

    s = _settings()
    stopped = EmbeddedServer(s.data_dir).stop()
    typer.echo("stopped" if stopped else "no engine was running")


@db_app.command("status")
def db_status() -> None:
    """Say whether an embedded engine runs on TEAMGRAPH_DATA, and where."""
    from teamgraph.graph.embedded import EmbeddedServer

    s = _settings()
    rec = EmbeddedServer(s.data_dir).record()
    if rec is None:
        typer.echo(f"not running ({s.data_dir})")
        raise typer.Exit(3)
    typer.echo(f"running: pid {rec['pid']} on {rec['host']}:{rec['port']} ({s.data_dir})")


LOAD_KINDS = (
    "customers", "distributors", "invitations", "bindings", "products", "orders", "refunds",
    "signals",
)  # fmt: skip


@app.command()
def load(
    kind: Annotated[
        str,
        typer.Argument(
            help=f"what FILE holds: {', '.join(LOAD_KINDS)}; or shop: FILE is a directory of "
            "<kind>.<ext> files (and settings.json)"
        ),
    ],
    file: Annotated[
        Path,
        typer.Argument(help="CSV, Excel (.xlsx), Parquet or JSON Lines; for shop, a directory"),
    ],
    shop: Annotated[str, typer.Option(help="the shop to load into")] = DEMO_SHOP,
    map_: Annotated[
        list[str] | None,
        typer.Option("--map", help="rename a column: SRC=FIELD (repeatable)"),
    ] = None,
    encoding: Annotated[
        str | None, typer.Option(help="CSV encoding (default: detected; UTF-8, BOM, GBK)")
    ] = None,
    money: Annotated[str, typer.Option(help="money cells are integer fen or decimal yuan")] = "fen",
    tz: Annotated[
        str | None, typer.Option(help="time zone of times without an offset (else refused)")
    ] = None,
    preset: Annotated[
        str | None,
        typer.Option(help="crmeb: FILE is CRMEB's eb_user (customers) or eb_store_order (orders)"),
    ] = None,
    cart: Annotated[
        Path | None, typer.Option(help="with --preset crmeb orders: eb_store_order_cart_info")
    ] = None,
) -> None:
    """Load FILE into the shop (docs/import-formats.md). Bad rows go to FILE.rejects.csv with
    the reason; a re-run changes nothing. Exit 2 when rows were rejected.

    `load shop DIR` loads every file of DIR in order, creating the shop (with DIR/settings.json)
    if it does not exist; a new shop on FalkorDB is written by the engine's bulk path (E-11)."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    from teamgraph.etl import crmeb, importer
    from teamgraph.shop import Shop

    if kind not in (*LOAD_KINDS, "shop"):
        typer.secho(f"error: KIND is one of {', '.join(LOAD_KINDS)}, shop", fg="red", err=True)
        raise typer.Exit(1)
    if money not in ("fen", "yuan"):
        typer.secho("error: --money is fen or yuan", fg="red", err=True)
        raise typer.Exit(1)
    if kind == "shop" and (preset or map_):
        typer.secho("error: load shop takes files as `teamgraph demo generate` writes them: "
                    "no --preset, no --map", fg="red", err=True)  # fmt: skip
        raise typer.Exit(1)
    if preset not in (None, "crmeb") or (preset and kind not in ("customers", "orders")):
        typer.secho(
            "error: --preset crmeb loads customers (eb_user) or orders (eb_store_order)",
            fg="red",
            err=True,
        )
        raise typer.Exit(1)
    if tz is not None:
        try:
            ZoneInfo(tz)
        except (ZoneInfoNotFoundError, ValueError):
            typer.secho(f"error: unknown time zone {tz!r}", fg="red", err=True)
            raise typer.Exit(1) from None
    engine = _connect()
    try:
        options = importer.Options(
            money="yuan" if money == "yuan" else "fen",
            tz=tz,
            encoding=encoding,
            mapping=importer.parse_mapping(map_),
        )
        if kind == "shop":
            result = importer.load_shop(engine, shop, file, options)
        elif preset == "crmeb" and kind == "customers":
            result = crmeb.load_users(Shop.open(engine, shop), file, options)
        elif preset == "crmeb":
            result = crmeb.load_orders(Shop.open(engine, shop), file, options, cart=cart)
        else:
            result = importer.load_file(Shop.open(engine, shop), kind, file, options)
    except TeamgraphError as exc:
        _fail(exc)
    finally:
        engine.close()
    for part in result.parts:
        typer.echo(f"  {part.summary()}")
    typer.echo(result.summary())
    if result.rejects is not None:
        for path in dict.fromkeys(p.rejects for p in [*result.parts, result] if p.rejects):
            typer.echo(f"rejected rows: {path}", err=True)
        raise typer.Exit(2)


@demo_app.command("generate")
def demo_generate(
    customers: Annotated[int, typer.Option(min=1, help="customers (members)")] = 10_000,
    distributors: Annotated[int, typer.Option(min=1, help="distributors among them")] = 1_000,
    orders: Annotated[int, typer.Option(min=0, help="paid orders")] = 20_000,
    seed: Annotated[int, typer.Option(help="the same seed writes the same files")] = 7,
    rings: Annotated[
        int | None,
        typer.Option(min=0, help="planted fraud rings; by default max(4, customers / 25,000)"),
    ] = None,
    out: Annotated[Path, typer.Option(help="directory for the files")] = Path("demo-data"),
    format_: Annotated[str, typer.Option("--format", help="csv or parquet")] = "csv",
    end: Annotated[
        str | None,
        typer.Option(
            help="the data's now, ISO 8601 (2026-01-01T00:00+08:00); the year before it is "
            "covered [default: now]"
        ),
    ] = None,
    check: Annotated[
        bool, typer.Option("--check", help="validate the tables; exit 1 on a problem")
    ] = False,
    extra_rings: Annotated[
        int,
        typer.Option(
            min=0,
            help="more rings, of kinds the detector was not written against (carousel, "
            "ip_burst, slow_burst, long_cycle, late_refund; taken in turn; D-11)",
        ),
    ] = 0,
    extra_kinds: Annotated[
        str | None,
        typer.Option(help="comma-separated kinds of the extra rings [default: all five]"),
    ] = None,
    lookalikes: Annotated[
        int,
        typer.Option(
            min=0,
            help="honest look-alike groups of each kind (family, office, campus, livestream; "
            "labelled honest_*; D-12)",
        ),
    ] = 0,
) -> None:
    """Write a synthetic shop as import files (docs/import-formats.md) and labels.csv, the
    ground truth of its planted fraud rings (and of honest look-alike groups, with
    --lookalikes). Deterministic for a seed and --end."""
    from teamgraph.etl import generator

    if format_ not in generator.FORMATS:
        typer.secho("error: --format is csv or parquet", fg="red", err=True)
        raise typer.Exit(1)
    started = time.perf_counter()
    try:
        end_ms = None if end is None else _iso_ms(end)
        kinds = (
            generator.EXTRA_RING_KINDS
            if extra_kinds is None
            else tuple(k.strip() for k in extra_kinds.split(",") if k.strip())
        )
        data = generator.generate(
            customers,
            distributors,
            orders,
            seed,
            rings,
            end_ms,
            extra_rings=extra_rings,
            extra_kinds=kinds,
            lookalikes=lookalikes,
        )
    except ValueError as exc:
        typer.secho(f"error: {exc}", fg="red", err=True)
        raise typer.Exit(1) from None
    generated = time.perf_counter()
    paths = generator.write(data, out, "parquet" if format_ == "parquet" else "csv")
    written = time.perf_counter()
    for kind, path in paths.items():
        rows = f"{data.tables[kind].num_rows} rows" if kind in data.tables else "the program"
        typer.echo(f"  {path}  {rows}")
    typer.echo(
        f"generated in {generated - started:.1f} s, written in {written - generated:.1f} s; "
        f"load with `teamgraph load shop {out} --shop SHOP` (a new shop: created with its "
        f"settings.json and written by the engine's bulk path), or file by file with "
        f"`teamgraph load KIND FILE --shop SHOP` for KIND in this order: "
        f"{', '.join(generator.LOAD_ORDER)}",
        err=True,
    )
    if check:
        problems = generator.validate(data.tables, now=data.end)
        for problem in problems:
            typer.secho(problem, fg="red", err=True)
        if problems:
            raise typer.Exit(1)
        typer.echo("consistent: every check of the validator passed", err=True)


@app.command("export")
def export_table(
    kind: Annotated[str, typer.Argument(help="distributors, team, ledger, withdrawals or orders")],
    shop: Annotated[str, typer.Option(help="the shop")] = DEMO_SHOP,
    format_: Annotated[
        str | None,
        typer.Option(
            "--format",
            help="csv (UTF-8 with BOM), xlsx or parquet; by default --out's suffix, else csv",
        ),
    ] = None,
    out: Annotated[Path | None, typer.Option(help="the file [default: KIND[-ID].FORMAT]")] = None,
    distributor: Annotated[
        str | None,
        typer.Option(help="team, ledger: whose (required); orders, withdrawals: only theirs"),
    ] = None,
    status: Annotated[
        str | None, typer.Option(help="withdrawals: requested, approved, paid or rejected")
    ] = None,
) -> None:
    """Export a table as a file, read page by page: money as integer fen plus a *_yuan text
    column, times in the shop's time zone. Prints the file's path."""
    from teamgraph.etl import exports
    from teamgraph.shop import Shop

    suffix = out.suffix.lstrip(".").lower() if out is not None else ""
    fmt = format_ or (suffix if suffix in exports.FORMATS else "csv")
    if fmt not in exports.FORMATS:
        typer.secho("error: --format is csv, xlsx or parquet", fg="red", err=True)
        raise typer.Exit(1)
    engine = _connect()
    try:
        path, rows = exports.export(
            Shop.open(engine, shop), kind, out, fmt, distributor_id=distributor, status=status
        )
    except TeamgraphError as exc:
        _fail(exc)
    finally:
        engine.close()
    typer.echo(str(path))
    typer.echo(f"{rows} rows", err=True)


@fraud_app.command("scan")
def fraud_scan(
    shop: Annotated[str, typer.Option(help="the shop to scan")] = DEMO_SHOP,
    out: Annotated[
        Path, typer.Option(help="directory for the report (rings.csv, rings.html)")
    ] = Path("fraud-report"),
    min_score: Annotated[
        int, typer.Option(min=0, max=100, help="rings scoring less are not kept")
    ] = 20,
    auto_hold: Annotated[
        int | None,
        typer.Option(
            min=1, max=100, help="circuit breaker: freeze open rings scoring at least this"
        ),
    ] = None,
) -> None:
    """Find, score and explain the shop's fraud rings; write them to the graph (GET /v1/rings)
    and a report (CSV and a self-contained HTML page with each ring's picture)."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from teamgraph.fraud import detect, report
    from teamgraph.shop import Shop

    engine = _connect()
    try:
        target = Shop.open(engine, shop)
        with Progress(
            TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn(), transient=True
        ) as progress:
            task = progress.add_task("reading the shop", total=1.0)

            def step(name: str, fraction: float) -> None:
                progress.update(task, completed=fraction, description=name)

            result = target.scan(
                params=detect.Params(min_score=min_score),
                auto_hold_score=auto_hold,
                step=step,
            )
            progress.update(task, description="writing the report")
            rings = [target.ring(r.id) for r in result.rings]
        paths = report.write(rings, out, shop=shop, summary=result.summary())
    except TeamgraphError as exc:
        _fail(exc)
    finally:
        engine.close()
    for r in rings[:10]:
        typer.echo(
            f"  {r['id']}  score {r['score']:3d}  {', '.join(r['kinds']) or '-':30s}  "
            f"{r['members']} members  {r['top_signals'][0] if r['top_signals'] else ''}"
        )
    if result.auto_held:
        typer.echo(
            f"circuit breaker froze {len(result.auto_held)} ring(s): {', '.join(result.auto_held)}"
        )
    typer.echo(result.summary())
    typer.echo(f"report: {paths['html']} and {paths['csv']}")


@fraud_app.command("review")
def fraud_review(
    ring: Annotated[str, typer.Argument(help="the ring's id (ring-…), from `fraud scan`")],
    verdict: Annotated[
        str, typer.Option(help="the analyst's verdict: fraud or not-fraud", metavar="VERDICT")
    ],
    shop: Annotated[str, typer.Option(help="the ring's shop")] = DEMO_SHOP,
    note: Annotated[str | None, typer.Option(help="why, for the audit log")] = None,
) -> None:
    """Mark RING fraud or not-fraud (issue 18): stored on the ring, audited as `ring.review` by
    `cli`; the same verdict again changes nothing. Prints the ring's verdict as JSON."""
    from teamgraph.shop import Actor, Shop

    engine = _connect()
    try:
        target = Shop.open(engine, shop)
        before = target.ring(ring)["verdict"]
        done = target.review_ring(ring, verdict, actor=Actor.system("cli"), note=note)
    except TeamgraphError as exc:
        _fail(exc)
    finally:
        engine.close()
    keys = ("id", "score", "status", "kinds", "verdict", "verdict_at", "verdict_by", "verdict_note")
    typer.echo(json.dumps({k: done[k] for k in keys}, ensure_ascii=False))
    if before == done["verdict"]:
        typer.echo(f"{ring} was already marked {before}: nothing changed", err=True)


@fraud_app.command("evaluate")
def fraud_evaluate(
    shop: Annotated[str, typer.Option(help="the shop whose reviewed rings to count")] = DEMO_SHOP,
    flag_score: Annotated[
        int, typer.Option(min=0, max=100, help="the flag line: rings scoring this or more")
    ] = 40,
    latest: Annotated[
        bool,
        typer.Option(
            "--latest",
            help="count the latest scan's scores (a ring it did not find: 0), not those reviewed",
        ),
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="the figures as JSON")] = False,
) -> None:
    """The detector's precision over the rings analysts reviewed (`fraud review`): fraud
    verdicts / reviewed flagged rings, per ring kind and per score band, with the counts behind
    each figure and the flagged rings not yet reviewed (GET /v1/rings/evaluation)."""
    from teamgraph.fraud import review
    from teamgraph.shop import Shop

    engine = _connect()
    try:
        report = Shop.open(engine, shop).ring_evaluation(
            flag_score=flag_score, scores="latest" if latest else "reviewed"
        )
    except TeamgraphError as exc:
        _fail(exc)
    finally:
        engine.close()
    if as_json:
        typer.echo(json.dumps(report, ensure_ascii=False))
        return
    for line in review.lines(report):
        typer.echo(line)


@webhooks_app.command("deliver")
def webhooks_deliver(
    once: Annotated[bool, typer.Option(help="one pass over every shop, then exit")] = False,
) -> None:
    """Send the events of every shop to their webhook endpoints: what `teamgraph serve` does on
    a thread, here in the foreground (Ctrl-C stops it), or one pass with --once."""
    from teamgraph.shop.deliverer import Deliverer, Schedule

    _stop_on_sigterm()
    settings = _settings()
    engine = _connect()
    deliverer = Deliverer(engine, Schedule.from_settings(settings))
    try:
        if once:
            sent = deliverer.run_once()
            typer.echo(f"{sent} attempt(s) made")
            return
        deliverer.start()
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    except TeamgraphError as exc:
        _fail(exc)
    finally:
        deliverer.stop()
        engine.close()


def _local_time(ms: int | None, tz: str) -> str:
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    if not ms:
        return "-"
    moment = datetime.fromtimestamp(ms / 1000, tz=UTC).astimezone(ZoneInfo(tz))
    return moment.strftime("%Y-%m-%d %H:%M %Z")


@jobs_app.command("list")
def jobs_list(
    shop: Annotated[str | None, typer.Option(help="one shop (default: every shop)")] = None,
) -> None:
    """Each job of each shop: its schedule, its last run and its next one (shop time)."""
    from teamgraph.shop import Shop
    from teamgraph.shop.scheduler import Config, Runner

    settings = _settings()
    engine = _connect()
    try:
        runner = Runner(engine, Config.from_settings(settings))
        for shop_id in [shop] if shop else engine.shops():
            target = Shop.open(engine, shop_id)
            tz = target.timezone()
            typer.echo(f"shop {shop_id} ({tz})")
            for row in runner.overview(target):
                last = row["last_run"]
                done = (
                    f"{last['period']} {last['status']} at "
                    f"{_local_time(last['finished_at'] or last['started_at'], tz)}"
                    f" ({last['ms'] if last['ms'] is not None else '-'} ms)"
                    if last
                    else "never"
                )
                typer.echo(
                    f"  {row['job']:18s} {row['schedule']}\n"
                    f"  {'':18s} last: {done}\n"
                    f"  {'':18s} next: {row['next_period']} at {_local_time(row['next_at'], tz)}"
                )
    except TeamgraphError as exc:
        _fail(exc)
    finally:
        engine.close()


@jobs_app.command("run")
def jobs_run(
    name: Annotated[str, typer.Argument(help="the job (teamgraph jobs list)")],
    shop: Annotated[str, typer.Option(help="the shop")] = DEMO_SHOP,
    period: Annotated[
        str | None,
        typer.Option(help="YYYY-MM (monthly) or YYYY-MM-DD (nightly); default: the latest due"),
    ] = None,
    again: Annotated[
        bool, typer.Option(help="run a period that already ran ok once more (jobs are idempotent)")
    ] = False,
) -> None:
    """Run a job now for one period, recorded as the scheduler records it: a period that
    already ran ok, or that another runner is running, is left alone."""
    from teamgraph.shop import Shop
    from teamgraph.shop.scheduler import Config, Runner, job

    settings = _settings()
    engine = _connect()
    try:
        runner = Runner(engine, Config.from_settings(settings), name="cli")
        target = Shop.open(engine, shop)
        found = job(name)
        chosen = period or found.schedule.last(
            runner.clock(), target.timezone(), runner.config.hour
        )
        outcome = runner.run(target, name, chosen, again=again)
        if outcome is None:
            run = target.job_run(name, found.schedule.check(chosen))
            state = run["status"] if run else "unknown"
            typer.echo(
                f"{name} {chosen}: not run ({state}; --again runs a done period again)", err=True
            )
            return
    except TeamgraphError as exc:
        _fail(exc)
    finally:
        engine.close()
    if outcome is None:
        return
    typer.echo(json.dumps(outcome.summary, ensure_ascii=False))
    if outcome.status == "failed":
        typer.secho(f"{name} {chosen} failed: {outcome.error}", fg="red", err=True)
        raise typer.Exit(1)
    typer.echo(f"{name} {chosen}: ok in {outcome.ms} ms (attempt {outcome.attempt})", err=True)


def _embedded_only(s: Settings, what: str) -> None:
    """Refuse ``db backup`` / ``db restore`` where the graph is not the embedded engine's."""
    if s.engine_kind == "neo4j":
        typer.secho(
            f"error: {what} is for the embedded engine; with Neo4j use `neo4j-admin database "
            "dump` / `load` (docs/operations.md)",
            fg="red",
            err=True,
        )
        raise typer.Exit(2)
    if s.engine_kind == "falkordb":
        typer.secho(
            f"error: {what} is for the embedded engine; FALKORDB_URL names a server of your "
            "own: back it up with its BGSAVE (docs/operations.md)",
            fg="red",
            err=True,
        )
        raise typer.Exit(2)


@db_app.command("backup")
def db_backup(
    target: Annotated[
        Path, typer.Argument(help="the snapshot file to write (or a directory to write it in)")
    ],
) -> None:
    """Snapshot every shop of TEAMGRAPH_DATA's engine into TARGET while it serves (an RDB file;
    `teamgraph db restore` puts it back)."""
    from teamgraph.graph import backup

    s = _settings()
    _embedded_only(s, "db backup")
    try:
        snap = backup.backup(
            s.data_dir, target, timeout=s.engine_start_timeout, progress=typer.echo
        )
    except TeamgraphError as exc:
        _fail(exc)
    typer.echo(
        f"backup: {snap.path} ({backup.human(snap.size)}, {len(snap.graphs)} graph(s), "
        f"{snap.seconds:.1f} s)"
    )


@db_app.command("restore")
def db_restore(
    source: Annotated[Path, typer.Argument(help="a snapshot written by `teamgraph db backup`")],
    force: Annotated[
        bool, typer.Option(help="replace existing data (set aside in the data directory)")
    ] = False,
) -> None:
    """Put a snapshot in TEAMGRAPH_DATA so that the next engine start loads it; refused while an
    engine runs there."""
    from teamgraph.graph import backup

    s = _settings()
    _embedded_only(s, "db restore")
    try:
        done = backup.restore(
            s.data_dir, source, force=force, timeout=s.engine_start_timeout, progress=typer.echo
        )
    except TeamgraphError as exc:
        _fail(exc)
    typer.echo(
        f"restored {source} ({backup.human(done.size)}) into {s.data_dir}: the next engine "
        "start loads it"
    )


def main() -> None:
    """The command; an error of teamgraph's that no command caught (one raised while connecting,
    such as a damaged phone key, ``phone.key_invalid``) is one line and exit status 1, not a
    traceback."""
    try:
        app()
    except TeamgraphError as exc:
        rule = f" ({exc.rule})" if exc.rule else ""
        typer.secho(f"error: {exc.code}{rule}: {exc.message}", fg="red", err=True)
        sys.exit(1)


if __name__ == "__main__":
    main()
