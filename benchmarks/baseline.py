"""The relational baseline: the same shop in PostgreSQL, walked by recursive SQL, beside teamgraph.

What merchants run today keeps the referral chain as a parent-id column (CRMEB's ``spread_uid``)
and walks it with recursive SQL. This benchmark builds the synthetic shop of
``teamgraph.etl.demo`` (``--customers`` / ``--distributors`` / ``--seed``, the build of
``team_views``) on each engine measured and once in PostgreSQL, in the same run:

- in a fresh embedded FalkorDB, as ``team_views`` does; and in the Neo4j of ``--neo4j`` when
  one is given (as ``make bench`` does; shop ``bench-baseline``, dropped before and after), the
  same shop from the same seed;
- in a private PostgreSQL server (``initdb`` and ``pg_ctl`` from ``--pg-bin``, default the newest
  ``/usr/lib/postgresql/*/bin``; a temporary data directory, loopback TCP like the embedded
  engine, stopped and removed afterwards whatever the outcome; run as the user ``postgres``
  when this process is root, which PostgreSQL refuses): ``users(id, parent_id,
  is_distributor)`` and ``orders(id, user_id)`` loaded with COPY, then indexed (the primary
  keys, ``parent_id``, a partial ``(parent_id, id) WHERE is_distributor`` for the team walk,
  ``orders.user_id``) and analysed. A distributor's ``parent_id`` is its inviter, a
  customer's the distributor it is bound to: one column, as in CRMEB.
  ``--baseline-orders`` orders (default one per customer) by random customers.

Then the same questions on every side, with one Python client each (the falkordb client over
loopback, the neo4j driver; psycopg 3 with prepared statements, autocommit, over loopback),
sequentially after a warm-up. PostgreSQL is measured once, beside the first engine's shop; then
teamgraph on each engine in turn, each on its own copy of the shop:

- the team view of the 20 largest teams, 20 median ones and 20 leaves (``team_views.select``,
  cycled as ``team_views.measure`` does): teamgraph's ``Shop.team`` (and ``progress`` and
  ``profile``, by ``team_views.in_process``) against SQL's whole team view (team size and
  members per depth by a recursive CTE, direct and indirect clients), team size alone and the
  clients alone;
- the 10 largest teams one by one, and which the 10 largest teams are (a ranking);
- attribution of an order: the buyer's distributor and the two inviters above it (three
  tiers), one order at a time (teamgraph's ``order.context``, which reads more: sharers, the
  buyer's paid orders, an existing order), and every order read into Python (teamgraph: the
  statements the history import reads, ``orders.history_distributors`` once and
  ``orders.history_customers`` per 5,000 buyers).

Every answer is checked: the SQL team views and ranking against each engine's counters, the
attribution of each order against each engine's bindings. Ratios are PostgreSQL ÷ teamgraph
(above 1: teamgraph is faster), for each engine; the machine's load average is written beside
each figure.

The result holds PostgreSQL's figures once (``postgres_side``) and teamgraph's per engine
(``teamgraph``: ``falkordb``, ``neo4j``), each with its agreement with PostgreSQL and its ratios.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import os
import random
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks import common, team_views
from teamgraph.etl import demo
from teamgraph.graph.embedded import free_port
from teamgraph.shop import Shop
from teamgraph.shop.bulk import READ_CHUNK

NAME = "baseline"
TITLE = "the relational baseline: the same shop in PostgreSQL (recursive SQL) beside teamgraph"
SHOP_ID = f"{common.SHOP_ID}-baseline"
PG_USER = "bench"  # the database role initdb creates (trust authentication, loopback only)
TARGET_AT_1M = 10.0  # issue 13: teamgraph's team view of the largest teams ≥ 10× faster at 1M
# fsync off: the load is not what is measured, and no figure here writes. JIT off: a tuned
# OLTP server's choice, in the baseline's favour (compiling costs more than these queries).
PG_SETTINGS = {
    "shared_buffers": "256MB",
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "jit": "off",
}

SCHEMA = """
CREATE TABLE users (id bigint NOT NULL, parent_id bigint, is_distributor boolean NOT NULL);
CREATE TABLE orders (id bigint NOT NULL, user_id bigint NOT NULL);
"""
INDEXES = """
ALTER TABLE users ADD PRIMARY KEY (id);
CREATE INDEX users_parent ON users (parent_id);
CREATE INDEX users_team ON users (parent_id, id) WHERE is_distributor;
ALTER TABLE orders ADD PRIMARY KEY (id);
CREATE INDEX orders_user ON orders (user_id);
"""

# the team below a distributor: every distributor under it, with its depth
_TEAM_CTE = """
WITH RECURSIVE team(id, depth) AS (
    SELECT id, 1 FROM users WHERE parent_id = %(id)s AND is_distributor
    UNION ALL
    SELECT u.id, t.depth + 1 FROM team t JOIN users u ON u.parent_id = t.id
    WHERE u.is_distributor
)"""
_CLIENTS = """
    (SELECT count(*) FROM users WHERE parent_id = %(id)s) AS direct_clients,
    (SELECT count(*) FROM users d JOIN users c ON c.parent_id = d.id
     WHERE d.parent_id = %(id)s AND d.is_distributor) AS indirect_clients"""
SQL: dict[str, str] = {
    # what Shop.team answers, in one statement
    "team_view": _TEAM_CTE
    + """
SELECT"""
    + _CLIENTS
    + """,
    coalesce(array_agg(depth ORDER BY depth), '{}') AS depths,
    coalesce(array_agg(n ORDER BY depth), '{}') AS members
FROM (SELECT depth, count(*) AS n FROM team GROUP BY depth) per_depth""",
    "team_size": _TEAM_CTE + "\nSELECT count(*) AS team_size FROM team",
    "clients": "SELECT" + _CLIENTS,
    # which distributors have the 10 largest teams: every distributor's chain walked upwards
    # (ancestors are distributors: saying so lets the planner hash those alone, 2× faster)
    "largest_teams": """
WITH RECURSIVE up(ancestor) AS (
    SELECT parent_id FROM users WHERE is_distributor AND parent_id IS NOT NULL
    UNION ALL
    SELECT u.parent_id FROM up JOIN users u ON u.id = up.ancestor
    WHERE u.is_distributor AND u.parent_id IS NOT NULL
)
SELECT ancestor AS id, count(*) AS team_size FROM up
GROUP BY ancestor ORDER BY team_size DESC, ancestor LIMIT 10""",
    # an order's attribution: the buyer's distributor and the two inviters above it
    "attribution": """
SELECT u.parent_id, p.parent_id, g.parent_id
FROM orders o JOIN users u ON u.id = o.user_id
LEFT JOIN users p ON p.id = u.parent_id LEFT JOIN users g ON g.id = p.parent_id
WHERE o.id = %(id)s""",
    "attribution_all": """
SELECT o.id, u.parent_id, p.parent_id, g.parent_id
FROM orders o JOIN users u ON u.id = o.user_id
LEFT JOIN users p ON p.id = u.parent_id LEFT JOIN users g ON g.id = p.parent_id""",
}
TEAM_QUERIES = ("team_view", "team_size", "clients")


def add_arguments(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("baseline")
    g.add_argument(
        "--baseline-orders",
        type=int,
        default=None,
        help="orders in the baseline's shop, by random customers (default: one per customer)",
    )
    g.add_argument(
        "--rank-runs",
        type=int,
        default=20,
        help="runs of the 10-largest-teams ranking (20; fewer, at least 3, after 30 s a side)",
    )
    g.add_argument(
        "--pg-bin",
        type=Path,
        default=os.environ.get("TEAMGRAPH_BENCH_PG_BIN") or None,
        help="PostgreSQL's bin directory (initdb, pg_ctl); default $TEAMGRAPH_BENCH_PG_BIN, "
        "else the newest /usr/lib/postgresql/*/bin",
    )


def pg_bin(args: argparse.Namespace) -> Path | None:
    """The bin directory holding ``initdb`` and ``pg_ctl`` (None: PostgreSQL is not installed)."""
    given = getattr(args, "pg_bin", None)
    candidates = [Path(given)] if given else []
    if not candidates:
        found = Path("/usr/lib/postgresql").glob("*/bin")
        candidates = sorted(found, key=lambda p: _version_key(p.parent.name), reverse=True)
    for bin_dir in candidates:
        if (bin_dir / "initdb").exists() and (bin_dir / "pg_ctl").exists():
            return bin_dir
    return None


def _version_key(name: str) -> tuple[int, ...]:
    return tuple(int(x) for x in name.split(".") if x.isdigit())


def skip(args: argparse.Namespace) -> str | None:
    if pg_bin(args) is None:
        return (
            "no PostgreSQL (initdb, pg_ctl) in --pg-bin or /usr/lib/postgresql/*/bin: "
            "`make bench` installs Debian's postgresql"
        )
    return None


# -- the rows -------------------------------------------------------------------------------------
def user_ids(data: demo.DemoShop) -> dict[str, int]:
    """teamgraph's customer ids as the integer ids of the relational table (1, 2, … in order)."""
    return {c["id"]: n for n, c in enumerate(data.customers, start=1)}


def users_rows(data: demo.DemoShop, uid: dict[str, int]) -> list[tuple[int, int | None, bool]]:
    """``(id, parent_id, is_distributor)`` per customer: a distributor's parent is its inviter
    (R-2.2), a customer's the distributor it is bound to now (an open binding, R-1), one column
    as CRMEB's ``spread_uid``; roots and unbound customers have none."""
    parent: dict[str, str] = {
        b["customer_id"]: b["distributor_id"]
        for b in data.bindings
        if b.get("ended_at") is None and b.get("expires_at") is None
    }
    parent |= {i["id"]: i["inviter_id"] for i in data.invitations}
    distributors = {d["id"] for d in data.distributors}
    return [
        (uid[c["id"]], uid[parent[c["id"]]] if c["id"] in parent else None, c["id"] in distributors)
        for c in data.customers
    ]


def orders_rows(
    data: demo.DemoShop, uid: dict[str, int], n: int, seed: int
) -> list[tuple[int, int]]:
    """``(id, user_id)`` of ``n`` orders by random customers (deterministic for a seed)."""
    rng = random.Random(seed)
    ids = [uid[c["id"]] for c in data.customers]
    return [(i, rng.choice(ids)) for i in range(1, n + 1)]


# -- the server -----------------------------------------------------------------------------------
@dataclass
class Postgres:
    """A private PostgreSQL server: its data directory, port and version."""

    bin_dir: Path
    root: Path
    port: int
    run_as: str | None  # the OS user running it (None: this process's)
    version: str = ""

    @property
    def data(self) -> Path:
        return self.root / "data"

    def conninfo(self) -> dict[str, Any]:
        return {"host": "127.0.0.1", "port": self.port, "user": PG_USER, "dbname": "postgres"}

    def command(self, *argv: str) -> list[str]:
        cmd = [str(self.bin_dir / argv[0]), *argv[1:]]
        return ["runuser", "-u", self.run_as, "--", *cmd] if self.run_as else cmd


def _run(cmd: list[str]) -> None:
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} exited {done.returncode}:\n{done.stderr[-2000:]}")


@contextlib.contextmanager
def postgres_server(bin_dir: Path, reporter: common.Reporter) -> Iterator[Postgres]:
    """initdb on a fresh temporary directory, pg_ctl start on a free loopback port; stopped
    (fast) and removed afterwards whatever the outcome. PostgreSQL refuses to run as root: as
    root, the server runs as ``$TEAMGRAPH_BENCH_PG_USER`` (default ``postgres``, the user
    Debian's package creates)."""
    run_as = os.environ.get("TEAMGRAPH_BENCH_PG_USER", "postgres") if os.geteuid() == 0 else None
    root = Path(tempfile.mkdtemp(prefix="teamgraph-bench-pg-"))
    pg = Postgres(bin_dir, root, free_port(), run_as)
    started = False
    try:
        if run_as:
            try:
                shutil.chown(root, user=run_as)
            except LookupError as e:
                raise RuntimeError(
                    f"PostgreSQL will not run as root and there is no user {run_as!r}: set "
                    "TEAMGRAPH_BENCH_PG_USER to a user it may run as"
                ) from e
        with reporter.phase(f"initdb and start PostgreSQL ({bin_dir}) on port {pg.port}"):
            _run(
                pg.command(
                    "initdb",
                    "-D",
                    str(pg.data),
                    "-U",
                    PG_USER,
                    "-A",
                    "trust",
                    "-E",
                    "UTF8",
                    "--no-sync",
                    "--no-instructions",
                )
            )
            options = {
                "listen_addresses": "127.0.0.1",
                "port": str(pg.port),
                "unix_socket_directories": str(root),
                **PG_SETTINGS,
            }
            opts = " ".join(f"-c {k}={v}" for k, v in options.items())
            started = True
            _run(
                pg.command(
                    "pg_ctl",
                    "-D",
                    str(pg.data),
                    "-l",
                    str(root / "server.log"),
                    "-o",
                    opts,
                    "-w",
                    "-t",
                    "60",
                    "start",
                )
            )
        yield pg
    finally:
        if started:
            with contextlib.suppress(RuntimeError):
                _run(pg.command("pg_ctl", "-D", str(pg.data), "-m", "fast", "-w", "stop"))
        shutil.rmtree(root, ignore_errors=True)


def load(
    conn: Any,
    users: Sequence[tuple[Any, ...]],
    orders: Sequence[tuple[Any, ...]],
    reporter: common.Reporter,
) -> list[common.Phase]:
    """The tables by COPY, then their indexes and statistics; each step timed."""
    phases: list[common.Phase] = []
    conn.execute(SCHEMA)
    for table, columns, rows in (
        ("users", "id, parent_id, is_distributor", users),
        ("orders", "id, user_id", orders),
    ):
        with (
            reporter.phase(f"COPY {table}", len(rows)) as ph,
            conn.cursor() as cur,
            cur.copy(f"COPY {table} ({columns}) FROM STDIN") as copy,
        ):
            for row in rows:
                copy.write_row(row)
        phases.append(ph)
    with reporter.phase("primary keys and indexes") as ph:
        conn.execute(INDEXES)
    phases.append(ph)
    with reporter.phase("VACUUM ANALYZE") as ph:
        conn.execute("VACUUM ANALYZE users")
        conn.execute("VACUUM ANALYZE orders")
    phases.append(ph)
    return phases


# -- measuring ------------------------------------------------------------------------------------
def loadavg() -> float:
    return os.getloadavg()[0]


def repeat(
    fn: Callable[[], Any],
    runs: int,
    warmup: int,
    reporter: common.Reporter,
    label: str,
    budget_s: float | None = None,
) -> dict[str, Any]:
    """``warmup`` then ``runs`` timed calls of ``fn`` (fewer, at least 3, once ``budget_s``
    is spent: the ranking takes seconds a run at 1M); the load average after them."""
    for _ in range(warmup):
        fn()
    durations: list[int] = []
    started = time.perf_counter()
    for i in range(runs):
        t0 = time.perf_counter_ns()
        fn()
        durations.append(time.perf_counter_ns() - t0)
        if budget_s is not None and i >= 2 and time.perf_counter() - started > budget_s:
            break
    stats = common.latency_stats(durations, time.perf_counter() - started)
    stats["load"] = loadavg()
    reporter.say(
        f"  ✓ {label}: p50 {stats['p50_ms']:.2f} ms, p99 {stats['p99_ms']:.2f} ms "
        f"({stats['n']} runs)"
    )
    return stats


def each(
    fn: Callable[[Any], Any],
    items: Sequence[Any],
    warmup: int,
    reporter: common.Reporter,
    label: str,
) -> dict[str, Any]:
    """``fn`` on each item in turn (after ``warmup`` of them), timed one by one."""
    for item in items[:warmup]:
        fn(item)
    durations: list[int] = []
    started = time.perf_counter()
    for item in items:
        t0 = time.perf_counter_ns()
        fn(item)
        durations.append(time.perf_counter_ns() - t0)
    stats = common.latency_stats(durations, time.perf_counter() - started)
    stats["load"] = loadavg()
    reporter.say(
        f"  ✓ {label}: p50 {stats['p50_ms']:.2f} ms, p99 {stats['p99_ms']:.2f} ms, "
        f"{stats['rps']:,.0f}/s"
    )
    return stats


def sql_team_view(sql: Sql, did: str) -> dict[str, Any]:
    """SQL's team view of ``did`` in the shape of ``Shop.team``."""
    [(direct, indirect, depths, members)] = sql("team_view", id=sql.uid[did])
    by_depth = [
        {"depth": int(d), "distributors": int(n)} for d, n in zip(depths, members, strict=True)
    ]
    return {
        "direct_clients": int(direct),
        "indirect_clients": int(indirect),
        "invitees": by_depth[0]["distributors"] if by_depth else 0,
        "team_size": sum(x["distributors"] for x in by_depth),
        "by_depth": by_depth,
    }


def team_answer(view: dict[str, Any]) -> dict[str, Any]:
    """The figures of a team view both sides answer, in one shape."""
    return {
        "direct_clients": int(view["direct_clients"] or 0),
        "indirect_clients": int(view["indirect_clients"] or 0),
        "invitees": int(view["invitees"] or 0),
        "team_size": int(view["team_size"] or 0),
        "by_depth": [
            {"depth": int(x["depth"]), "distributors": int(x["distributors"])}
            for x in view["by_depth"] or []
            if int(x["distributors"])
        ],
    }


def teamgraph_chains(shop: Shop, buyers: Sequence[str], now: int) -> dict[str, tuple[Any, ...]]:
    """Each buyer's distributor (the binding in force at ``now``) and the two inviters above
    it, from the statements the history import reads (``orders.history_distributors`` once,
    ``orders.history_customers`` per ``READ_CHUNK`` buyers)."""
    inviter = {r["id"]: r["inviter_id"] for r in shop.store.read("orders.history_distributors")}
    wanted = sorted(set(buyers))
    chains: dict[str, tuple[Any, ...]] = {}
    for start in range(0, len(wanted), READ_CHUNK):
        for r in shop.store.read(
            "orders.history_customers", ids=wanted[start : start + READ_CHUNK]
        ):
            bound = next(
                (
                    d
                    for d, since, ended, expires in r["bindings"]
                    if since <= now
                    and (ended is None or ended > now)
                    and (expires is None or expires > now)
                ),
                None,
            )
            tier2 = inviter.get(bound) if bound else None
            tier3 = inviter.get(tier2) if tier2 else None
            chains[r["id"]] = (bound, tier2, tier3)
    return chains


# -- the benchmark --------------------------------------------------------------------------------
ENGINE_NAMES = {"falkordb": "FalkorDB", "neo4j": "Neo4j"}
CLIENTS = {"falkordb": "the falkordb client over loopback TCP", "neo4j": "the neo4j driver (Bolt)"}


@dataclass
class Sql:
    """PostgreSQL's side: the connection and the id maps between the two shops."""

    conn: Any
    uid: dict[str, int]  # teamgraph id -> users.id
    name_of: dict[int, str]  # users.id -> teamgraph id

    def __call__(self, name: str, **params: Any) -> list[tuple[Any, ...]]:
        """A prepared statement of :data:`SQL`, all its rows fetched."""
        rows: list[tuple[Any, ...]] = self.conn.execute(
            SQL[name], params or None, prepare=True
        ).fetchall()
        return rows


@dataclass
class Questions:
    """What every side is asked, the same ids in the same order on PostgreSQL and each engine."""

    ids: list[str]  # the team views' distributors in the order cycled (team_views.cycle_order)
    group_of: dict[str, str]  # id -> largest, median or leaf
    largest: list[dict[str, Any]]  # the 10 largest teams by the counters: id, team_size
    orders: list[tuple[int, str]]  # every order: its id, its buyer's teamgraph id
    sample: list[tuple[int, str]]  # the orders attributed one at a time
    now: int  # after every binding began
    n: int
    warmup: int
    largest_runs: int
    rank_runs: int


@dataclass
class Answers:
    """PostgreSQL's answers, which each engine's are checked against."""

    team_views: dict[str, dict[str, Any]]  # id -> team_answer(), each id of the team views
    ranking: list[tuple[str, int]]  # the 10 largest teams: id, size
    chains: dict[int, tuple[Any, ...]]  # order id -> its three tiers (teamgraph ids)


RANK_BUDGET_S = 30.0  # per side: the ranking's runs stop there (at least 3)
RANK_PARAMS: dict[str, Any] = {
    "search": "", "levels": [], "statuses": [], "idle_since": 0, "after_key": None, "after_id": None
}  # fmt: skip


def top_teams(shop: Shop) -> list[tuple[str, int]]:
    """teamgraph's 10 largest teams (id, size): the ranking's statement."""
    rows = shop.store.read("analytics.distributors", sort="team", limit=10, **RANK_PARAMS)
    return [(r["id"], int(r["team_size"] or 0)) for r in rows]


def postgres_side(
    result: dict[str, Any], shop: Shop, data: demo.DemoShop, conn: Any,
    args: argparse.Namespace, reporter: common.Reporter,
) -> tuple[Questions, Answers]:  # fmt: skip
    """On the first engine's shop (every engine gets the same one, from the same seed): the
    questions, then PostgreSQL loaded with the same shop and measured, once. Records the shop's
    shape, the selection, PostgreSQL's load and figures in ``result``; returns the questions and
    PostgreSQL's answers."""
    p = result["params"]
    with reporter.phase("read every distributor's profile") as ph:
        profiles = shop.store.read("distributor.profiles", ids=[d["id"] for d in data.distributors])
        ph.rows = len(profiles)
    result["shop"] = team_views.shape(data, profiles)
    result["selection"] = selection = team_views.select(profiles, args.seed)
    ids, group_of = team_views.cycle_order(selection)
    largest = sorted(profiles, key=lambda x: (-(x["team_size"] or 0), x["id"]))[:10]
    result["largest10"] = [{"id": x["id"], "team_size": int(x["team_size"] or 0)} for x in largest]

    uid = user_ids(data)
    with reporter.phase("rows for PostgreSQL") as ph:
        users = users_rows(data, uid)
        orders = orders_rows(data, uid, p["orders"], args.seed)
        ph.rows = len(users) + len(orders)
    sql = Sql(conn, uid, {v: k for k, v in uid.items()})
    bought = [(oid, sql.name_of[user]) for oid, user in orders]
    rng = random.Random(args.seed + 1)
    questions = Questions(
        ids=ids,
        group_of=group_of,
        largest=result["largest10"],
        orders=bought,
        sample=[bought[rng.randrange(len(bought))] for _ in range(p["requests"])],
        now=demo.START_MS + demo.DAY_MS * len(data.customers),
        n=p["requests"],
        warmup=p["warmup"],
        largest_runs=max(5, p["requests"] // 100),
        rank_runs=p["rank_runs"],
    )
    result["pg_load"] = common.build_rows(load(conn, users, orders, reporter))
    [(size,)] = conn.execute("SELECT pg_database_size('postgres')").fetchall()
    result["pg_size_mb"] = size / 1024**2
    result["postgres_side"], answers = measure_postgres(sql, questions, reporter)
    return questions, answers


def measure_postgres(
    sql: Sql, q: Questions, reporter: common.Reporter
) -> tuple[dict[str, Any], Answers]:
    """PostgreSQL's figures: each SQL team query on the ids of the team views (as
    ``team_views.measure`` cycles them), the largest teams one by one, the ranking, attribution
    of one order at a time and of every order into Python; and its answers."""
    load_before = loadavg()
    views: dict[str, Any] = {}
    for name in TEAM_QUERIES:

        def call(did: str, name: str = name) -> None:
            sql(name, id=sql.uid[did])

        views[name] = team_views.measure(
            call, q.ids, q.group_of, q.n, q.warmup, reporter, f"PostgreSQL {name}"
        )
        views[name]["load"] = loadavg()
    largest = {
        x["id"]: repeat(
            functools.partial(sql, "team_view", id=sql.uid[x["id"]]), q.largest_runs, 2,
            reporter, f"PostgreSQL team_view of {x['id']}",
        )
        for x in q.largest
    }  # fmt: skip
    ranking = repeat(
        functools.partial(sql, "largest_teams"), q.rank_runs, 1, reporter,
        "PostgreSQL: the 10 largest teams", RANK_BUDGET_S,
    )  # fmt: skip

    def lookup(order: tuple[int, str]) -> None:
        sql("attribution", id=order[0])

    one = each(lookup, q.sample, q.warmup, reporter, "PostgreSQL: attribution")
    label = f"PostgreSQL: attribute {len(q.orders):,} orders into Python"
    with reporter.phase(label, len(q.orders)) as ph:
        rows = sql.conn.execute(SQL["attribution_all"]).fetchall()
    figures = _figures(views, largest, ranking, one, ph, load_before)
    answers = Answers(
        team_views={did: team_answer(sql_team_view(sql, did)) for did in sorted(q.group_of)},
        ranking=[(sql.name_of[i], int(size)) for i, size in sql("largest_teams")],
        chains={oid: tuple(sql.name_of[x] if x else None for x in rest) for oid, *rest in rows},
    )
    return figures, answers


Chains = list[tuple[Any, ...]]  # per order: tier 1, 2 and 3


def measure_teamgraph(
    shop: Shop, q: Questions, engine: str, reporter: common.Reporter
) -> tuple[dict[str, Any], Chains]:
    """teamgraph's figures on one engine, the same questions as PostgreSQL's: team, progress
    and profile (``team_views.in_process``), the largest teams one by one, the ranking,
    ``order.context`` one order at a time and every order into Python; and the three tiers of
    every order."""
    side = f"teamgraph on {engine}"
    load_before = loadavg()
    views = team_views.in_process(shop, q.ids, q.group_of, q.n, q.warmup, reporter)
    after = loadavg()
    for stats in views.values():
        stats["load"] = after
    largest = {
        x["id"]: repeat(
            functools.partial(shop.team, x["id"]), q.largest_runs, 2, reporter,
            f"{side}: team of {x['id']}",
        )
        for x in q.largest
    }  # fmt: skip
    read = functools.partial(
        shop.store.read, "analytics.distributors", sort="team", limit=10, **RANK_PARAMS
    )
    ranking = repeat(read, q.rank_runs, 1, reporter, f"{side}: the 10 largest teams", RANK_BUDGET_S)
    window = shop.settings().sharer_window_hours * 3_600_000

    def context(order: tuple[int, str]) -> None:
        shop.store.read(
            "order.context", customer_id=order[1], paid_at=q.now,
            order_id=f"bench-{order[0]}", product_ids=[], window=window,
        )  # fmt: skip

    one = each(context, q.sample, q.warmup, reporter, f"{side}: order.context")
    label = f"{side}: attribute {len(q.orders):,} orders into Python"
    with reporter.phase(label, len(q.orders)) as ph:
        found = teamgraph_chains(shop, [buyer for _, buyer in q.orders], q.now)
        chains = [found.get(buyer, (None, None, None)) for _, buyer in q.orders]
    figures = _figures(views, largest, ranking, one, ph, load_before)
    return figures, chains


def engines_measured(args: argparse.Namespace) -> list[str]:
    """FalkorDB, and Neo4j when ``--neo4j`` names one."""
    return ["falkordb", "neo4j"] if getattr(args, "neo4j", None) else ["falkordb"]


def _figures(
    views: Any, largest: Any, ranking: Any, one: Any, whole: common.Phase, load_before: float
) -> dict[str, Any]:
    """One side's figures, in the same shape for PostgreSQL and for teamgraph on each engine."""
    return {
        "team_views": views,
        "largest10": largest,
        "ranking": ranking,
        "attribution_one": one,
        "attribution_all": {
            "seconds": whole.seconds,
            "rows_per_s": whole.rows_per_s,
            "load": loadavg(),
        },
        "load_average": {"before": load_before, "after": loadavg()},
    }


def run(args: argparse.Namespace) -> dict[str, Any]:
    import psycopg

    reporter = common.Reporter(quiet=getattr(args, "quiet", False))
    started = time.perf_counter()
    n = args.requests
    warmup = args.warmup if getattr(args, "warmup", None) is not None else max(5, n // 20)
    bin_dir = pg_bin(args)
    if bin_dir is None:
        raise RuntimeError(skip(args))
    kinds = engines_measured(args)
    result: dict[str, Any] = {
        "benchmark": NAME,
        "date": common.now_text(),
        "params": {
            "customers": args.customers,
            "distributors": args.distributors,
            "orders": args.baseline_orders if args.baseline_orders is not None else args.customers,
            "requests": n,
            "warmup": warmup,
            "rank_runs": args.rank_runs,
            "seed": args.seed,
            "neo4j": args.neo4j if "neo4j" in kinds else None,
        },
        "machine": common.machine(),
        "psycopg": common.version("psycopg"),
        "pg_settings": PG_SETTINGS,
        "teamgraph": {},  # engine kind -> teamgraph's figures on it
    }
    asked: tuple[Questions, Answers] | None = None
    with (
        postgres_server(bin_dir, reporter) as pg,
        psycopg.connect(**pg.conninfo(), autocommit=True) as conn,
    ):
        [(pg.version,)] = conn.execute("SHOW server_version").fetchall()
        result["postgres"] = {"version": pg.version, "bin": str(bin_dir), "run_as": pg.run_as}
        for kind in kinds:
            reporter.say(f"  teamgraph on {ENGINE_NAMES[kind]}")
            with common.bench_engine(kind, args, reporter, SHOP_ID) as bench:
                shop = Shop.create(bench.engine, bench.shop_id)
                data, phases, _, counts = common.build_shop(shop, args, reporter)
                side: dict[str, Any] = {
                    "engine": common.engine_info(bench.engine),
                    "loaded": counts,
                    "build": common.build_rows(phases),
                }
                if asked is None:
                    asked = postgres_side(result, shop, data, conn, args, reporter)
                questions, answers = asked
                figures, chains = measure_teamgraph(shop, questions, ENGINE_NAMES[kind], reporter)
                side |= figures
                side["agreement"] = agreement(shop, questions, answers, chains)
                side["ratios"] = ratios(result["postgres_side"], side)
            result["teamgraph"][kind] = side
    result["total_seconds"] = time.perf_counter() - started
    return result


def agreement(shop: Shop, q: Questions, pg: Answers, chains: Chains) -> dict[str, Any]:
    """Whether SQL answers what teamgraph answers: the measured distributors' team views, the
    10 largest teams (sizes, then ids: ties may be ordered otherwise) and each order's three
    tiers."""
    differ = [did for did, view in pg.team_views.items() if team_answer(shop.team(did)) != view]
    ranked = top_teams(shop)
    wrong = sum(
        1 for (oid, _), chain in zip(q.orders, chains, strict=True) if pg.chains.get(oid) != chain
    )
    return {
        "team_views": len(pg.team_views),
        "team_views_differ": differ,
        "ranking_same": ranked == pg.ranking,
        "ranking_sizes_same": [s for _, s in ranked] == [s for _, s in pg.ranking],
        "orders": len(q.orders),
        "orders_attributed": sum(1 for c in chains if c[0]),
        "orders_differ": wrong + abs(len(pg.chains) - len(q.orders)),
    }


def _ratio(pg: float | None, tg: float | None) -> float | None:
    return pg / tg if pg is not None and tg else None


def ratios(pg: dict[str, Any], tg: dict[str, Any]) -> dict[str, Any]:
    """PostgreSQL ÷ teamgraph on one engine: the team view by group, the ranking, attribution."""
    views = tg["team_views"]["team"]["by_group"]
    pv = pg["team_views"]["team_view"]["by_group"]
    out: dict[str, Any] = {
        f"team_view_{g}_{q}": _ratio(pv[g][f"{q}_ms"], views[g][f"{q}_ms"])
        for g in views
        if g in pv
        for q in ("p50", "p99")
    }
    out["ranking_p50"] = _ratio(pg["ranking"]["p50_ms"], tg["ranking"]["p50_ms"])
    out["attribution_one_p50"] = _ratio(
        pg["attribution_one"]["p50_ms"], tg["attribution_one"]["p50_ms"]
    )
    out["attribution_all_rate"] = _ratio(
        tg["attribution_all"]["rows_per_s"], pg["attribution_all"]["rows_per_s"]
    )  # a rate: teamgraph's in the denominator's place
    return out


# -- output ---------------------------------------------------------------------------------------
def _x(value: float | None) -> str:
    if value is None:
        return "–"
    if value < 0.01:  # Neo4j beside PostgreSQL on small teams: not "× 0.00"
        return f"× {value:.3f}"
    return f"× {value:.2f}" if value < 10 else f"× {value:.1f}" if value < 100 else f"× {value:.0f}"


def _ms(stats: dict[str, Any]) -> str:
    return f"{common.fmt(stats['p50_ms'])} / {common.fmt(stats['p99_ms'])}"


def _loads(*stats: dict[str, Any]) -> str:
    """The load averages after each side's measurement: PostgreSQL's, then each engine's."""
    return " / ".join(f"{s['load']:.2f}" for s in stats)


def _sides(result: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """Each engine measured, by name, with teamgraph's figures on it (FalkorDB first)."""
    return [(ENGINE_NAMES[kind], tg) for kind, tg in result["teamgraph"].items()]


def _load_seconds(tg: dict[str, Any]) -> float:
    """teamgraph's load of the shop: every build phase but generating the rows in Python."""
    return sum(b["seconds"] for b in tg["build"] if not b["phase"].startswith("generate"))


def verdict(result: dict[str, Any], kind: str = "falkordb") -> str:
    r = result["teamgraph"][kind]["ratios"]
    p50, p99 = r.get("team_view_largest_p50"), r.get("team_view_largest_p99")
    customers = result["params"]["customers"]
    if p50 is None:
        return "No largest teams to compare."
    at = "at" if customers >= 1_000_000 else "stated at 1,000,000 customers; here"
    return (
        f"The team view of the 20 largest teams, PostgreSQL ÷ teamgraph on {ENGINE_NAMES[kind]} "
        f"through the same kind of client: {_x(p50)} at p50, {_x(p99)} at p99. The issue's ≥ 10× "
        f"target ({at} {customers:,} customers): {'met' if p50 >= TARGET_AT_1M else 'missed'}."
    )


def _team_rows(result: dict[str, Any]) -> list[list[Any]]:
    pv = result["postgres_side"]["team_views"]
    teams = [tg["team_views"]["team"] for _, tg in _sides(result)]
    rows = []
    for q in TEAM_QUERIES:
        for g, st in pv[q]["by_group"].items():
            if any(g not in team["by_group"] for team in teams):
                continue
            row = [q, g, _ms(st)]
            for team in teams:
                mine = team["by_group"][g]
                row += [_ms(mine), _x(_ratio(st["p50_ms"], mine["p50_ms"])),
                        _x(_ratio(st["p99_ms"], mine["p99_ms"]))]  # fmt: skip
            rows.append([*row, _loads(pv[q], *teams)])
    return rows


def _calls_rows(result: dict[str, Any]) -> list[list[Any]]:
    measured = [(f"teamgraph on {name}:", tg["team_views"]) for name, tg in _sides(result)]
    measured.append(("PostgreSQL:", result["postgres_side"]["team_views"]))
    return [
        [f"{who} {call}", st["p50_ms"], st["p99_ms"], st["rps"], st["load"]]
        for who, calls in measured
        for call, st in calls.items()
    ]


def _largest_rows(result: dict[str, Any]) -> list[list[Any]]:
    pg, sides = result["postgres_side"]["largest10"], _sides(result)
    rows = []
    for x in result["largest10"]:
        theirs, ours = pg[x["id"]], [tg["largest10"][x["id"]] for _, tg in sides]
        row = [x["id"], x["team_size"], _ms(theirs)]
        for mine in ours:
            row += [_ms(mine), _x(_ratio(theirs["p50_ms"], mine["p50_ms"]))]
        rows.append([*row, _loads(theirs, *ours)])
    return rows


def _other_rows(result: dict[str, Any]) -> list[list[Any]]:
    pg, p = result["postgres_side"], result["params"]
    sides = [tg for _, tg in _sides(result)]

    def row(
        label: str, key: str, show: Callable[[dict[str, Any]], Any],
        ratio: Callable[[dict[str, Any], dict[str, Any]], float | None],
    ) -> list[Any]:  # fmt: skip
        out = [label, show(pg[key])]
        for tg in sides:
            out += [show(tg[key]), _x(ratio(pg[key], tg[key]))]
        return [*out, _loads(pg[key], *(tg[key] for tg in sides))]

    def p50(theirs: dict[str, Any], mine: dict[str, Any]) -> float | None:
        return _ratio(theirs["p50_ms"], mine["p50_ms"])

    runs = " / ".join(str(s["ranking"]["n"]) for s in (pg, *sides))
    return [
        row(f"the 10 largest teams, which: p50 / p99 ms ({runs} runs)", "ranking", _ms, p50),
        row(f"attribution of one order: p50 / p99 ms ({p['requests']:,} orders)",
            "attribution_one", _ms, p50),
        row("attribution of one order: orders/s, one client", "attribution_one",
            lambda s: s["rps"], lambda theirs, mine: _ratio(mine["rps"], theirs["rps"])),
        row(f"attribution of all {p['orders']:,} orders into Python: orders/s", "attribution_all",
            lambda s: s["rows_per_s"],
            lambda theirs, mine: _ratio(mine["rows_per_s"], theirs["rows_per_s"])),
    ]  # fmt: skip


def _agreement_rows(result: dict[str, Any]) -> list[list[Any]]:
    agreed = [tg["agreement"] for _, tg in _sides(result)]

    def views(a: dict[str, Any]) -> str:
        differ = a["team_views_differ"]
        return f"{len(differ)} differ ({', '.join(differ[:5])})" if differ else "the same"

    def ranking(a: dict[str, Any]) -> str:
        if a["ranking_same"]:
            return "the same ids and sizes"
        return "the same sizes, ties in another order" if a["ranking_sizes_same"] else "differ"

    def orders(a: dict[str, Any]) -> str:
        same = f"{a['orders_differ']:,} differ" if a["orders_differ"] else "the same"
        return f"{same} ({a['orders_attributed']:,} attributed)"

    first = agreed[0]
    return [
        [f"team views of the {first['team_views']} measured distributors", *map(views, agreed)],
        ["the 10 largest teams", *map(ranking, agreed)],
        [f"attribution (three tiers) of the {first['orders']:,} orders", *map(orders, agreed)],
    ]


def markdown(result: dict[str, Any]) -> str:
    p, s, m, pg = result["params"], result["shop"], result["machine"], result["postgres"]
    sides = _sides(result)
    names = [name for name, _ in sides]
    settings = ", ".join(f"{k}={v}" for k, v in result["pg_settings"].items())
    run_as = f", run as `{pg['run_as']}`" if pg["run_as"] else ""
    neo4j = f" --neo4j {p['neo4j']}" if p.get("neo4j") else ""
    engine_lines = [
        f"- teamgraph on {ENGINE_NAMES[kind]}: {common.describe_engine(tg['engine'])}; in-process "
        f"calls (`Shop.team`, store statements), {CLIENTS[kind]}"
        for kind, tg in result["teamgraph"].items()
    ]
    loaded = ", ".join(f"{common.duration_text(_load_seconds(tg))} on {name}" for name, tg in sides)

    def columns(*ratios: str) -> list[str]:
        """Each engine's column of teamgraph's figures, its ratios beside it."""
        return [c for name in names for c in (f"teamgraph on {name}", *ratios)]

    loads = " / ".join(["PostgreSQL", *names])
    averages = "; ".join(
        f"{who} {la['before']:.2f} → {la['after']:.2f}"
        for who, la in [
            ("PostgreSQL", result["postgres_side"]["load_average"]),
            *((f"teamgraph on {name}", tg["load_average"]) for name, tg in sides),
        ]
    )
    lines = [
        "## Relational baseline: the same shop in PostgreSQL (recursive SQL) beside teamgraph",
        "",
        f"Run {result['date']}: `uv run python -m benchmarks --only baseline --customers "
        f"{p['customers']} --distributors {p['distributors']} --requests {p['requests']} "
        f"--seed {p['seed']}{neo4j}`, {common.duration_text(result['total_seconds'])} in all.",
        "",
        f"- Machine: {common.describe_machine(m)}",
        *engine_lines,
        f"- PostgreSQL {pg['version']}: a private server on a temporary directory{run_as} "
        f"({settings}); psycopg {result['psycopg']} over loopback TCP, prepared statements, "
        "autocommit",
        f"- Shop: {s['customers']:,} customers, {s['distributors']:,} distributors, "
        f"{p['orders']:,} orders; invitation forest {s['depth']:,} levels deep, largest team "
        f"{s['largest_team']:,}, direct clients max {s['max_direct_clients']:,}. teamgraph "
        f"loaded it in {loaded} (`demo.load`, without generating the rows). In PostgreSQL "
        f"`users(id, parent_id, is_distributor)` and `orders(id, user_id)`, "
        f"{result['pg_size_mb']:,.0f} MB with indexes, loaded so:",
        "",
        common.md_table(
            ["phase", "rows", "s", "rows/s"],
            [[b["phase"], b["rows"], b["seconds"], b["rows_per_s"]] for b in result["pg_load"]],
        ),
        "",
        "PostgreSQL is measured once, then teamgraph on each engine in turn, each on its own "
        "copy of the shop; the same questions, the same ids in the same order.",
        "",
        f"### Team views: {p['requests']:,} sequential calls each, after {p['warmup']:,} "
        "warm-up calls",
        "",
        "The same ids on every side: the 20 largest teams, 20 median, 20 leaves. teamgraph's "
        "`Shop.team` answers the whole team view from counters (`shop.due` and the profile); "
        "SQL's `team_view` is one statement (a recursive CTE for the team and its members per "
        "depth, counts of direct and indirect clients); `team_size` and `clients` are its "
        "halves alone. Times p50 / p99 in ms; ratio PostgreSQL ÷ teamgraph's team view on the "
        "engine to its left (above 1: teamgraph is faster); load: the 1-minute load average "
        f"after each side's measurement, {loads} ({m['nproc']} CPUs).",
        "",
        common.md_table(
            ["SQL", "group", "PostgreSQL", *columns("ratio p50", "ratio p99"), "load"],
            _team_rows(result),
        ),
        "",
        common.md_table(["all calls", "p50", "p99", "calls/s", "load"], _calls_rows(result)),
        "",
        *(f"**{verdict(result, kind)}**\n" for kind in result["teamgraph"]),
        "### The 10 largest teams, one by one (team view, p50 / p99 ms)",
        "",
        common.md_table(
            ["distributor", "team", "PostgreSQL", *columns("ratio p50"), "load"],
            _largest_rows(result),
        ),
        "",
        "### Which teams are the 10 largest; attribution of the orders",
        "",
        common.md_table(["question", "PostgreSQL", *columns("ratio"), "load"], _other_rows(result)),
        "",
        "- Which teams: SQL walks every distributor's chain upwards (recursive CTE) and counts "
        "per ancestor; teamgraph sorts the distributors by their `team_size` counter "
        "(`analytics.distributors`, one statement).",
        "- One order: SQL joins the order's buyer to its parent and the two above it; "
        "teamgraph's `order.context` is the read `record_order` makes, which also finds the "
        "sharers, the buyer's paid orders and an order already under the id.",
        "- Every order into Python: SQL streams one join; teamgraph reads what the history "
        "import reads (`orders.history_distributors` once, `orders.history_customers` per "
        f"{READ_CHUNK:,} buyers) and follows the inviters in Python.",
        "",
        "### Do the answers agree?",
        "",
        common.md_table(
            ["teamgraph's answers beside PostgreSQL's", *(f"on {name}" for name in names)],
            _agreement_rows(result),
        ),
        "",
        f"Load average (1 min) before and after each side's measurement: {averages}.",
    ]
    return "\n".join(lines) + "\n"
