"""The ``teamgraph`` command (typer): shop, key, serve, ui, up, db."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Annotated

import httpx
import typer

from teamgraph import logs
from teamgraph.config import Settings
from teamgraph.errors import TeamgraphError
from teamgraph.graph import connect
from teamgraph.graph.embedded import EmbeddedServer
from teamgraph.shop import Shop

app = typer.Typer(help="teamgraph: a shop's distribution program on a graph.", no_args_is_help=True)
shop_app = typer.Typer(help="Create shops.", no_args_is_help=True)
key_app = typer.Typer(help="Create API keys.", no_args_is_help=True)
db_app = typer.Typer(help="The embedded graph engine of TEAMGRAPH_DATA.", no_args_is_help=True)
app.add_typer(shop_app, name="shop")
app.add_typer(key_app, name="key")
app.add_typer(db_app, name="db")

DEMO_SHOP = "demo"


def _settings() -> Settings:
    s = Settings()
    logs.configure(s.log_level, s.log_format)
    return s


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
    settings = json.loads(settings_file.read_text()) if settings_file else None
    engine = connect(_settings())
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
    engine = connect(_settings())
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


@shop_app.command("ladder")
def shop_ladder(
    shop: str,
    month: Annotated[str, typer.Option(help="calendar month, YYYY-MM (shop time zone)")],
) -> None:
    """Award the monthly ladder bonus (R-3.13) for MONTH; safe to run again."""
    engine = connect(_settings())
    try:
        rows = Shop.open(engine, shop).award_ladder(month)
    except TeamgraphError as exc:
        _fail(exc)
    finally:
        engine.close()
    for row in rows:
        typer.echo(json.dumps(row, ensure_ascii=False))
    typer.echo(f"{len(rows)} bonuses awarded for {month}", err=True)


@key_app.command("create")
def key_create(
    shop: Annotated[str, typer.Option(help="the shop the key belongs to")],
    role: Annotated[str, typer.Option(help="merchant, analyst or distributor")],
    distributor: Annotated[str | None, typer.Option(help="for a distributor key: its id")] = None,
) -> None:
    """Create a key and print it alone on stdout (it is not stored in clear)."""
    engine = connect(_settings())
    try:
        typer.echo(Shop.open(engine, shop).create_key(role, distributor))
    except TeamgraphError as exc:
        _fail(exc)
    finally:
        engine.close()


@app.command()
def serve(
    host: str = "127.0.0.1",
    port: int = 8000,
) -> None:
    """Run the API (embedded engine unless NEO4J_URI or FALKORDB_URL is set)."""
    import uvicorn

    from teamgraph.api import create_app

    settings = _settings()
    uvicorn.run(create_app(settings), host=host, port=port, log_level="warning")


@app.command()
def ui(host: str = "127.0.0.1", port: int = 8050) -> None:
    """Run the analytics UI (Dash)."""
    from teamgraph.dashboards import create_app as create_ui

    settings = _settings()
    engine = connect(settings)
    try:
        create_ui(engine).run(host=host, port=port, debug=False)
    finally:
        engine.close()


def _wait_http(url: str, proc: subprocess.Popen[bytes], timeout: float = 60.0) -> None:
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
    from teamgraph.etl import demo

    settings = _settings()
    engine = connect(settings)  # starts the embedded engine and owns it
    children: list[subprocess.Popen[bytes]] = []
    try:
        if shop not in engine.shops():
            typer.echo(f"creating the demo shop {shop!r} ...")
            counts = demo.load(Shop.create(engine, shop), demo.generate())
            typer.echo("  " + ", ".join(f"{v} {k}" for k, v in counts.items()))
        key = Shop.open(engine, shop).create_key("merchant")
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
        typer.echo(f"  merchant key  {key}")
        typer.echo("Ctrl-C stops the API, the UI and the graph engine.")
        while all(c.poll() is None for c in children):
            time.sleep(0.5)
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


@db_app.command("start")
def db_start() -> None:
    """Start the embedded engine detached; it runs until `teamgraph db stop`."""
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
    s = _settings()
    stopped = EmbeddedServer(s.data_dir).stop()
    typer.echo("stopped" if stopped else "no engine was running")


@db_app.command("status")
def db_status() -> None:
    """Say whether an embedded engine runs on TEAMGRAPH_DATA, and where."""
    s = _settings()
    rec = EmbeddedServer(s.data_dir).record()
    if rec is None:
        typer.echo(f"not running ({s.data_dir})")
        raise typer.Exit(3)
    typer.echo(f"running: pid {rec['pid']} on {rec['host']}:{rec['port']} ({s.data_dir})")


def main() -> None:
    app()


if __name__ == "__main__":
    main()
