"""The synthetic shop generator (issue #5): a realistic shop written as import files.

``generate(customers, distributors, orders, seed, rings)`` builds every table of
``docs/import-formats.md`` (customers, distributors, invitations, bindings, products, orders,
refunds, signals) plus ``labels`` (the ground truth of the planted fraud rings), and
:func:`write` writes them as CSV or Parquet. Same arguments (``end`` included), same files, byte
for byte.

Choices the file formats leave open, fixed here (G-…):

- D-1 Times are ISO-8601 with the ``+08:00`` offset, to the second
  (``2025-06-01T09:30:00+08:00``), in both formats; money is integer fen; booleans are
  ``true``/``false``; an empty cell is "not given". CSV is UTF-8 with a BOM (what Excel on
  Chinese Windows needs), comma-separated, LF line ends, every string quoted.
- D-2 The data covers the year before its ``end`` (the data's "now"): nothing happens after
  it. ``end`` defaults to the current minute, so a demo shop made today is alive today (its
  distributors active, this month's leaderboard full); pass ``end`` (e.g. :data:`END_MS`,
  2026-01-01T00:00+08:00, what the tests compare figures at) for the same files every day. The
  data is made at :data:`END_MS` and moved to ``end`` as a whole, so only its times differ.
  Rewards are taken to settle ``SETTLE_DAYS`` (7, the default ``settle_days``) after an order
  completes.
- D-3 Ids: customers ``c0000001`` (distributors keep their customer id), products ``p0001``,
  orders ``o00000001`` (numbered in paid order), refunds ``r00000001``; ids sort as numbers.
  An order holds a product at most once, so ``(order id, product_id)`` names a line and a
  refund with a ``product_id`` names the line it refunds.
- D-4 The invitation forest: a few big teams (thousands of members at 100,000 distributors)
  and many small ones, at most :data:`MAX_DEPTH` (15) levels below a root. Each invitee was
  bound to its inviter when it became a distributor (R-2.2) and stays bound to it.
- D-5 Binding history: rows end as ``expired`` (``ended_at = expires_at``), ``merchant_rebind``
  (the next row starts at the same instant, ``source = merchant``) or ``merchant_unbind``;
  other rows are open (at most one per customer). Sources are ``visit`` and ``merchant``.
- D-6 Refunds: about 5% of orders, one line each, full or partial; most within the after-sale
  window, some after settlement. A refunded single-line order that was fully refunded before
  completing never completes.
- D-7 Signals: every customer has a device and an IP, most a phone, buyers an address, half
  a payment account; shared values are rare (families), except public IPs (carrier NAT,
  public Wi-Fi) that many customers share. Phones are 11-digit Chinese mobile numbers, written
  as shops export them (no +86); :func:`validate` checks that the importer reads every one
  (``teamgraph.phones.normalize``, P-1).
- D-8 Rings (``labels``: ``ring_id, kind, customer_id, role``), ``rings`` of them, kinds taken
  in turn:
  ``self_dealing`` — a distributor (role ``distributor``) and 3–8 ``alt`` accounts sharing its
  device and payment account (some its phone), bound to it and buying;
  ``circular`` — 3–5 distributors (``member``) each bound to the next, the last to the first,
  and buying (their own purchases pay the next one);
  ``invite_burst`` — 12–40 new ``account``s on one device and IP, joined and bound to one
  distributor (``inviter``) within ten minutes, a third of them becoming distributors it
  invited;
  ``refund_after_settle`` — a distributor (``distributor``) whose 3–6 ``buyer``s (one shared
  address) place large orders and refund them in full within two days after the rewards
  settled.
- D-9 ``settings.json`` beside the files is the program the data assumes (three levels, the
  default settle days): create the shop with it, then load in :data:`LOAD_ORDER`.
- D-10 A binding made by a visit names its share channel (the column ``channel``: 32%
  ``wechat_moments``, 27% ``wechat_group``, 21% ``wechat_chat``, 12% ``poster_qr``, 8%
  ``link``), so the demo's Channels report (U-11) compares channels; a merchant's binding names
  none, as live ones do. Drawn from a stream of their own: every other figure of a seed is
  what it was before channels.
- D-11 Extra rings (``extra_rings`` of ``extra_kinds``, taken in turn; none by default), kinds
  the detector was not written against: ``carousel`` — 4 distributors (``distributor``), each
  with an ``alt`` account buying through the *next* one (the fourth's through the first), tied
  only by weak signals (two distributor/alt pairs share a phone, one address among four
  accounts), no binding cycle among the distributors; ``ip_burst`` — 12–20 ``account``s joining
  and bound to one distributor (``inviter``) within ten minutes on one fresh IP, each on its own
  device; ``slow_burst`` — the same on one device over about two days; ``long_cycle`` — a
  ``circular`` ring of 7–9 distributors; ``late_refund`` — a refund farm refunding 3.5–5 days
  after the rewards settled. Drawn from the stream ``[seed, EXTRA_STREAM]``.
- D-12 Honest look-alikes (``lookalikes`` groups of each kind; none by default), labelled
  ``honest-NNNN`` with kinds ``honest_family`` (a distributor ``parent`` and 1–3 ``child``
  accounts bound to her, on the family tablet and address; she has other clients),
  ``honest_office`` (a ``distributor`` and 5–8 ``coworker``s on the office IP and address, own
  devices, buying through her, group buys included; she has other clients),
  ``honest_campus`` (30–60 ``student``s on one IP over weeks, bound to 3–6 distributors),
  ``honest_livestream`` (a ``distributor`` and 100–200 ``client``s joining in waves during
  live broadcasts, own devices and IPs). Not
  fraud: an evaluation counts how many of their members a detector flags. Same stream as D-11.

Vectorised with numpy and Arrow (no Python loop over rows; the few ring rows excepted):
1,000,000 customers, 100,000 distributors and 1,000,000 orders (1.32 M order lines, 4.25 M
signals) generate in about 9 s and write in about 1 s (CSV, 660 MB) or 2.5 s (Parquet, 120
MB) on the 2-core machine, 2.1 GB peak memory; :func:`validate` takes about 8 s more.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from teamgraph import phones
from teamgraph.errors import ValidationError
from teamgraph.sheets import write_arrow

SECOND = 1000
MINUTE = 60 * SECOND
HOUR = 60 * MINUTE
DAY = 24 * HOUR
END_MS = 1_767_196_800_000  # 2026-01-01T00:00+08:00: the reference "now" (D-2)
SPAN_MS = 365 * DAY
START_MS = END_MS - SPAN_MS
OFFSET_MS = 8 * HOUR  # +08:00 (Asia/Shanghai has no daylight saving)
SETTLE_DAYS = 7
MAX_DEPTH = 15

Format = Literal["csv", "parquet"]
FORMATS: tuple[Format, ...] = ("csv", "parquet")
RING_KINDS = ("self_dealing", "circular", "invite_burst", "refund_after_settle")
EXTRA_RING_KINDS = ("carousel", "ip_burst", "slow_burst", "long_cycle", "late_refund")
"""D-11: ring kinds the detector was not written against, planted only when asked
(``extra_rings``), from a random stream of their own (:data:`EXTRA_STREAM`)."""
HONEST_KINDS = ("honest_family", "honest_office", "honest_campus", "honest_livestream")
"""D-12: honest groups that look like rings (``lookalikes`` of each kind), labelled so an
evaluation counts how many of their members a detector flags; they are not fraud."""
LABEL_KINDS = RING_KINDS + EXTRA_RING_KINDS + HONEST_KINDS
EXTRA_STREAM = 11
"""The extra rings and the look-alikes draw from ``default_rng([seed, EXTRA_STREAM])``: with
neither asked for, a seed's files are byte for byte what they were without them."""
SIGNAL_KINDS = ("device", "phone", "address", "account", "ip")
END_REASONS = ("expired", "merchant_rebind", "merchant_unbind")
SOURCES = ("visit", "merchant")
CHANNELS = ("wechat_moments", "wechat_group", "wechat_chat", "poster_qr", "link")
"""The share channels of visit-made bindings (D-10), with :data:`CHANNEL_MIX` their shares."""
CHANNEL_MIX = (0.32, 0.27, 0.21, 0.12, 0.08)
CHANNEL_STREAM = 10
"""Channels are drawn from their own stream (``default_rng([seed, CHANNEL_STREAM])``), so
adding them changed no other draw of a seed."""
GROUPS = (None, "vip", "member", "member;vip", "staff")

_S, _I, _B = pa.string(), pa.int64(), pa.bool_()
SCHEMAS: dict[str, pa.Schema] = {
    "customers": pa.schema(
        [
            ("id", _S),
            ("name", _S),
            ("phone", _S),
            ("phone_verified", _B),
            ("joined_at", _S),
            ("via_distributor_id", _S),
            ("groups", _S),
        ]
    ),
    "distributors": pa.schema(
        [
            ("id", _S),
            ("status", _S),
            ("level", _I),
            ("became_at", _S),
            ("name", _S),
            ("joined_at", _S),
        ]
    ),
    "invitations": pa.schema([("id", _S), ("inviter_id", _S), ("at", _S)]),
    "bindings": pa.schema(
        [
            ("customer_id", _S),
            ("distributor_id", _S),
            ("since", _S),
            ("expires_at", _S),
            ("ended_at", _S),
            ("end_reason", _S),
            ("source", _S),
            ("channel", _S),
        ]
    ),
    "products": pa.schema(
        [
            ("id", _S),
            ("name", _S),
            ("price_fen", _I),
            ("cost_fen", _I),
            ("reward_bp", _I),
            ("reward_fen", _I),
        ]
    ),
    "orders": pa.schema(
        [
            ("id", _S),
            ("customer_id", _S),
            ("paid_at", _S),
            ("product_id", _S),
            ("paid_fen", _I),
            ("qty", _I),
            ("split_fen", _I),
            ("cost_fen", _I),
            ("completed_at", _S),
        ]
    ),
    "refunds": pa.schema(
        [("id", _S), ("order_id", _S), ("amount_fen", _I), ("at", _S), ("product_id", _S)]
    ),
    "signals": pa.schema(
        [("customer_id", _S), ("kind", _S), ("value", _S), ("first_seen", _S), ("last_seen", _S)]
    ),
    "labels": pa.schema([("ring_id", _S), ("kind", _S), ("customer_id", _S), ("role", _S)]),
}
KINDS = tuple(SCHEMAS)
TIME_COLUMNS = frozenset(
    {
        "joined_at",
        "became_at",
        "at",
        "since",
        "expires_at",
        "ended_at",
        "paid_at",
        "completed_at",
        "first_seen",
        "last_seen",
    }
)

_SURNAMES = list(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾"
    "肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢"
)
_GIVEN = list(
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红鹏飞宇浩凯婷雪琳晨欣怡佳悦子轩涵梓诺"
)
_PHONE_PREFIXES = [
    130,
    131,
    132,
    133,
    135,
    136,
    137,
    138,
    139,
    147,
    150,
    151,
    152,
    153,
    155,
    156,
    157,
    158,
    159,
    166,
    176,
    177,
    178,
    180,
    181,
    182,
    183,
    185,
    186,
    187,
    188,
    189,
    191,
    198,
    199,
]
_CITIES = [
    "北京市朝阳区",
    "北京市海淀区",
    "上海市浦东新区",
    "上海市徐汇区",
    "广州市天河区",
    "深圳市南山区",
    "深圳市福田区",
    "杭州市西湖区",
    "杭州市余杭区",
    "成都市武侯区",
    "成都市高新区",
    "武汉市洪山区",
    "南京市鼓楼区",
    "苏州市工业园区",
    "重庆市渝北区",
    "西安市雁塔区",
    "长沙市岳麓区",
    "郑州市金水区",
    "天津市南开区",
    "青岛市市南区",
    "厦门市思明区",
    "合肥市蜀山区",
    "宁波市鄞州区",
    "东莞市南城区",
    "佛山市顺德区",
]
_ROADS = [
    "人民路",
    "解放路",
    "中山路",
    "建设路",
    "文化路",
    "和平路",
    "新华路",
    "长江路",
    "黄河路",
    "科技路",
    "学府路",
    "花园路",
    "青年路",
    "光明路",
    "幸福路",
    "迎宾大道",
    "滨江路",
    "湖滨路",
    "南京路",
    "北京路",
]
_BRANDS = [
    "自然堂",
    "花西子",
    "三只松鼠",
    "良品铺子",
    "元气森林",
    "李宁",
    "安踏",
    "小米",
    "云南白药",
    "百雀羚",
    "认养一头牛",
    "王饱饱",
    "钟薛高",
    "内外",
    "蕉下",
]
_ITEMS = [
    ("精华液", 19900),
    ("面膜", 8900),
    ("洗面奶", 5900),
    ("口红", 16900),
    ("蛋白粉", 25900),
    ("维生素C片", 6900),
    ("坚果礼盒", 12900),
    ("挂耳咖啡", 4900),
    ("保温杯", 9900),
    ("蓝牙耳机", 29900),
    ("运动鞋", 39900),
    ("纯棉T恤", 7900),
    ("羽绒服", 89900),
    ("抽纸", 3990),
    ("洗衣液", 4590),
    ("乌龙茶", 15800),
    ("牛奶", 6990),
    ("燕麦片", 3990),
    ("防晒霜", 13900),
    ("遮阳伞", 10900),
]
_SPECS = ["", "（标准装）", "（家庭装）", "（礼盒装）", "（旅行装）", "（两件套）"]


@dataclass
class SyntheticShop:
    """The generated tables (``KINDS`` order, columns and types of :data:`SCHEMAS`)."""

    tables: dict[str, pa.Table]
    seed: int
    timings: dict[str, float] = field(default_factory=dict)
    end: int = END_MS
    """The data's "now" (D-2): nothing happens after it; :func:`validate` checks at it."""

    def counts(self) -> dict[str, int]:
        return {kind: t.num_rows for kind, t in self.tables.items()}


# -- helpers: fixed-width strings and times, built from integer arrays without Python loops --------
def _digits(values: np.ndarray, width: int, base: int = 10) -> np.ndarray:
    """``values`` (non-negative ints) as a (n, width) uint8 matrix of ASCII digits."""
    alphabet = np.frombuffer(b"0123456789abcdef", np.uint8)
    out = np.empty((len(values), width), np.uint8)
    v = values.astype(np.int64)
    for k in range(width - 1, -1, -1):
        out[:, k] = alphabet[v % base]
        v = v // base
    return out


def _fixed(parts: list[np.ndarray | bytes], n: int, valid: np.ndarray | None = None) -> pa.Array:
    """A string array whose every value has the same width: ``parts`` are ASCII byte strings
    (the same in every row) and (n, w) uint8 matrices (per row), joined left to right."""
    cols = [
        np.broadcast_to(np.frombuffer(p, np.uint8), (n, len(p))) if isinstance(p, bytes) else p
        for p in parts
    ]
    matrix = np.ascontiguousarray(np.concatenate(cols, axis=1)) if n else np.empty((0, 0))
    width = matrix.shape[1] if n else 0
    offsets = (np.arange(n + 1, dtype=np.int64) * width).astype(np.int32)
    validity = None if valid is None else pa.array(valid, type=pa.bool_()).buffers()[1]
    return pa.Array.from_buffers(
        pa.string(),
        n,
        [
            validity,
            pa.py_buffer(offsets.tobytes()),
            pa.py_buffer(matrix.astype(np.uint8).tobytes()),
        ],
        null_count=-1 if valid is not None else 0,
    )


def ids(prefix: str, numbers: np.ndarray, width: int, valid: np.ndarray | None = None) -> pa.Array:
    """``prefix`` + the zero-padded number: ``ids("c", [7], 7) == ["c0000007"]``."""
    numbers = np.where(numbers < 0, 0, numbers) if valid is not None else numbers
    return _fixed([prefix.encode(), _digits(numbers, width)], len(numbers), valid)


def iso8601(ms: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
    """Epoch ms as ``YYYY-MM-DDTHH:MM:SS+08:00`` (D-1), vectorised (days to civil date after
    H. Hinnant's ``civil_from_days``); where ``valid`` is false the value is null."""
    secs = np.asarray(ms, np.int64) // SECOND + OFFSET_MS // SECOND
    days, sod = np.divmod(secs, 86_400)
    z = days + 719_468
    era = np.floor_divide(z, 146_097)
    doe = z - era * 146_097
    yoe = (doe - doe // 1460 + doe // 36_524 - doe // 146_096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    day = doy - (153 * mp + 2) // 5 + 1
    month = np.where(mp < 10, mp + 3, mp - 9)
    year = yoe + era * 400 + (month <= 2)
    if valid is not None:
        year = np.where(valid, year, 1970)
    n = len(secs)
    return _fixed(
        [
            _digits(year, 4),
            b"-",
            _digits(month, 2),
            b"-",
            _digits(day, 2),
            b"T",
            _digits(sod // 3600, 2),
            b":",
            _digits(sod // 60 % 60, 2),
            b":",
            _digits(sod % 60, 2),
            b"+08:00",
        ],
        n,
        valid,
    )


def parse_times(values: pd.Series | pa.Array | pa.ChunkedArray) -> pd.Series:
    """ISO-8601 strings with an offset (or epoch ms ints) as nullable Int64 epoch ms."""
    s = values if isinstance(values, pd.Series) else pd.Series(values.to_pandas())
    if pd.api.types.is_integer_dtype(s.dtype):
        return s.astype("Int64")
    if s.isna().all():
        return pd.Series(pd.NA, index=s.index, dtype="Int64")
    ts = pd.to_datetime(s, format="ISO8601", utc=True)
    out = pd.Series(pd.NA, index=s.index, dtype="Int64")
    ok = ts.notna()
    out[ok] = (ts[ok] - pd.Timestamp(0, tz="UTC")) // pd.Timedelta(milliseconds=1)
    return out


def _mix(x: np.ndarray, salt: int, bits: int = 48) -> np.ndarray:
    """A bijection of [0, 2**bits): distinct inputs give distinct, random-looking outputs."""
    mask = np.uint64((1 << bits) - 1)
    v = (x.astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15) + np.uint64(salt)) & mask
    v ^= v >> np.uint64(bits // 2 - 1)
    v = (v * np.uint64(0xBF58476D1CE4E5B9)) & mask
    v ^= v >> np.uint64(bits // 2 + 3)
    return v.astype(np.int64)


def _join(*parts: pa.Array | str) -> pa.Array:
    return pc.binary_join_element_wise(*parts, "")


def _take(words: list[str], idx: np.ndarray) -> pa.Array:
    return pc.take(pa.array(words, pa.string()), pa.array(idx))


def _seconds(ms: np.ndarray) -> np.ndarray:
    return (ms // SECOND) * SECOND


def _opt(ms: np.ndarray) -> pa.Array:
    """Times with -1 for "not given"."""
    return iso8601(ms, ms >= 0)


def _words(codes: np.ndarray, words: tuple[str | None, ...]) -> pa.Array:
    """Codes (index into ``words``; -1 or a None word is null) as strings."""
    table = pa.array(list(words), pa.string())
    return pc.take(table, pa.array(codes, mask=codes < 0, type=pa.int64()))


# -- the generator ---------------------------------------------------------------------------------
@dataclass
class _Ring:
    ring_id: str
    kind: str
    size: int
    distributors: list[int] = field(default_factory=list)  # customer indices
    accounts: list[int] = field(default_factory=list)  # reserved customer indices
    clients: list[int] = field(default_factory=list)  # a look-alike's ordinary clients (D-12)
    spread: int = 1  # distributors a look-alike group needs (a campus binds to several)


class _Lists:
    """Row-wise accumulators for the (few) ring rows, turned into arrays at the end."""

    def __init__(self, *names: str) -> None:
        self.cols: dict[str, list[Any]] = {n: [] for n in names}

    def add(self, **row: Any) -> None:
        for k, v in row.items():
            self.cols[k].append(v)

    def extend(self, **cols: Any) -> None:
        for k, v in cols.items():
            self.cols[k].extend(v.tolist() if isinstance(v, np.ndarray) else v)

    def array(self, name: str, dtype: Any = np.int64) -> np.ndarray:
        return np.asarray(self.cols[name], dtype=dtype)

    def __len__(self) -> int:
        return len(next(iter(self.cols.values())))


class _Generator:
    def __init__(
        self,
        customers: int,
        distributors: int,
        orders: int,
        seed: int,
        rings: int | None,
        end: int = END_MS,
        *,
        extra_rings: int = 0,
        extra_kinds: tuple[str, ...] = EXTRA_RING_KINDS,
        lookalikes: int = 0,
    ) -> None:
        if not 1 <= distributors <= customers:
            raise ValueError("need 1 <= distributors <= customers")
        if orders < 0:
            raise ValueError("orders must be >= 0")
        if rings is None:
            rings = 0 if customers < 1000 or distributors < 40 else max(4, customers // 25_000)
        if rings < 0:
            raise ValueError("rings must be >= 0")
        if extra_rings < 0 or lookalikes < 0:
            raise ValueError("extra rings and look-alikes must be >= 0")
        unknown = sorted(set(extra_kinds) - set(EXTRA_RING_KINDS))
        if unknown or (extra_rings and not extra_kinds):
            raise ValueError(
                f"extra ring kinds are some of {', '.join(EXTRA_RING_KINDS)}; got {unknown}"
            )
        self.extra_rings, self.extra_kinds, self.lookalikes = extra_rings, extra_kinds, lookalikes
        self.n, self.m, self.k, self.seed, self.rings = customers, distributors, orders, seed, rings
        self.rng = np.random.default_rng(seed)
        self.end = int(end) // SECOND * SECOND
        self.shift = self.end - END_MS  # made at END_MS, written at end (D-2)
        self.timings: dict[str, float] = {}
        self.cw = max(6, len(str(customers)))  # id widths (D-3)
        self.ow = max(8, len(str(orders + 1000)))

    def _time(self, name: str, t0: float) -> float:
        now = time.perf_counter()
        self.timings[name] = round(now - t0, 3)
        return now

    def run(self) -> SyntheticShop:
        t = time.perf_counter()
        self.customers()
        self.products()
        self.plan_rings()
        t = self._time("customers", t)
        self.distributors()
        t = self._time("forest", t)
        self.place_rings()
        self.place_extra()
        self.distributor_bindings()
        self.customer_bindings()
        self.levels()
        t = self._time("bindings", t)
        self.orders()
        t = self._time("orders", t)
        self.signals()
        t = self._time("signals", t)
        tables = self.tables()
        self._time("tables", t)
        return SyntheticShop(tables, self.seed, self.timings, self.end)

    def _channels(self, source: np.ndarray) -> np.ndarray:
        """D-10: a channel for each binding made by a visit (-1 for the others), from the
        seed's own channel stream (the other draws stay as they were)."""
        rng = np.random.default_rng([self.seed, CHANNEL_STREAM])
        drawn = rng.choice(len(CHANNELS), size=len(source), p=CHANNEL_MIX)
        return np.where(source == SOURCES.index("visit"), drawn, -1).astype(np.int64)

    # -- customers and products --------------------------------------------------------------------
    def customers(self) -> None:
        rng, n = self.rng, self.n
        u = np.sort(rng.random(n))
        # a growing shop: joins get denser towards the end; nobody joins in the last 5 days
        self.joined = _seconds(START_MS + (np.sqrt(u) * (SPAN_MS - 5 * DAY)).astype(np.int64))
        self.surname = rng.integers(len(_SURNAMES), size=n)
        self.given1 = rng.integers(len(_GIVEN), size=n)
        g2 = rng.integers(len(_GIVEN), size=n)
        self.given2 = np.where(rng.random(n) < 0.55, g2, len(_GIVEN))  # len: no second char
        prefix = np.asarray(_PHONE_PREFIXES)[rng.integers(len(_PHONE_PREFIXES), size=n)]
        a = 61_728_397  # coprime with 10**8: distinct customers, distinct last eight digits
        tail = (np.arange(n, dtype=np.int64) * a + int(rng.integers(10**8))) % 10**8
        self.phone = np.where(rng.random(n) < 0.95, prefix * 10**8 + tail, -1)
        self.verified = (self.phone >= 0) & (rng.random(n) < 0.7)
        self.groups = rng.choice(len(GROUPS), size=n, p=[0.8, 0.08, 0.07, 0.04, 0.01])
        self.via = np.full(n, -1, np.int64)

    def products(self) -> None:
        rng = self.rng
        p = min(500, max(30, self.n // 2000))
        item = rng.integers(len(_ITEMS), size=p)
        base = np.asarray([price for _, price in _ITEMS])[item]
        price = (base * rng.lognormal(0, 0.35, p)).astype(np.int64) // 100 * 100 - 10
        self.price = np.maximum(price, 990)
        self.cost = self.price * rng.integers(35, 70, size=p) // 100
        kind = rng.random(p)
        self.reward_bp = np.where(kind < 0.2, rng.choice([500, 800, 1000, 1500, 2000], p), -1)
        fixed = np.maximum(self.price * rng.integers(5, 15, size=p) // 100, 1)
        self.reward_fen = np.where((kind >= 0.2) & (kind < 0.3), fixed, -1)
        brand, spec = rng.integers(len(_BRANDS), size=p), rng.integers(len(_SPECS), size=p)
        self.product_names = [
            f"{_BRANDS[b]}{_ITEMS[i][0]}{_SPECS[s]}"
            for b, i, s in zip(brand, item, spec, strict=True)
        ]
        self.popularity = 1.0 / np.arange(1, p + 1) ** 0.9
        self.popularity /= self.popularity.sum()

    # -- rings: sizes first (the burst's distributors come out of the distributor count) -----------
    def plan_rings(self) -> None:
        rng = self.rng
        self.ring_list: list[_Ring] = []
        for r in range(self.rings):
            kind = RING_KINDS[r % len(RING_KINDS)]
            size = {
                "self_dealing": (3, 9),
                "circular": (3, 6),
                "invite_burst": (12, 41),
                "refund_after_settle": (3, 7),
            }[kind]
            self.ring_list.append(_Ring(f"ring-{r + 1:04d}", kind, int(rng.integers(*size))))
        self.burst_distributors = sum(
            r.size // 3 for r in self.ring_list if r.kind == "invite_burst"
        )
        self.ring_distributor_need = sum(
            r.size if r.kind == "circular" else 1 for r in self.ring_list
        )
        self.reserved_need = sum(r.size for r in self.ring_list if r.kind != "circular")
        honest = self.m - self.burst_distributors
        if self.rings and (
            honest < self.ring_distributor_need + 10 or self.n - self.m < self.reserved_need + 10
        ):
            raise ValueError(
                f"{self.rings} rings need about {self.ring_distributor_need + 10} distributors "
                f"and {self.reserved_need + 10} other customers more: lower --rings"
            )

    # -- distributors and the invitation forest (D-4) ----------------------------------------------
    def distributors(self) -> None:
        rng = self.rng
        m = self.m - self.burst_distributors
        pool = max(m, int(np.searchsorted(self.joined, END_MS - 40 * DAY)))
        chosen = rng.choice(pool, m, replace=False).astype(np.int64)
        joined = self.joined[chosen]
        limit = END_MS - 3 * DAY
        became = joined + rng.exponential(30 * DAY, m).astype(np.int64) + HOUR
        late = became > limit
        room = np.maximum(limit - joined[late], HOUR)
        became[late] = joined[late] + (rng.random(int(late.sum())) * room).astype(np.int64)
        became = _seconds(became)
        order = np.lexsort((chosen, became))
        chosen, became = chosen[order], became[order]
        step = np.arange(m, dtype=np.int64) * SECOND  # strictly increasing, a second apart
        became = np.maximum.accumulate(became - step) + step
        self.dc, self.became = chosen, became  # position -> customer, became_at (sorted)

        # roots: the five biggest teams start first; the other roots start at random times
        roots = max(1, round(m * 0.04))
        big = min(roots, 5)
        others = np.sort(rng.choice(np.arange(big, m), roots - big, replace=False))
        root_pos = np.concatenate([np.arange(big), others]).astype(np.int64)
        rank = np.concatenate([np.arange(1, big + 1), big + 1 + rng.permutation(roots - big)])
        weight = rank.astype(float) ** -1.1  # Zipf: a few big teams, most small
        cum = np.cumsum(weight)
        is_root = np.zeros(m, bool)
        is_root[root_pos] = True
        members = np.flatnonzero(~is_root)
        before = np.searchsorted(root_pos, members)  # roots that started before the member
        x = rng.random(len(members)) * cum[before - 1]
        team = np.empty(m, np.int64)
        team[root_pos] = np.arange(roots)
        team[members] = np.minimum(np.searchsorted(cum, x, side="right"), before - 1)
        # inside a team (in order of joining it): an early member (wide, shallow teams) or a
        # recent one (chains); the root is always first
        order = np.lexsort((np.arange(m), team))
        starts = np.searchsorted(team[order], np.arange(roots))
        r = np.arange(m) - starts[team[order]]
        recent = rng.random(m) < 0.45
        q = np.where(
            recent,
            np.maximum(r - rng.geometric(0.35, m), 0),
            np.floor(r * rng.random(m) ** 2.5).astype(np.int64),
        )
        parent = np.full(m, -1, np.int64)
        has = r > 0
        parent[order[has]] = order[(starts[team[order]] + q)[has]]
        depth = _depths(parent)
        deep = np.flatnonzero(depth > MAX_DEPTH)
        if len(deep):  # move the too-deep under an ancestor a few levels up
            a = parent[deep]
            target = rng.integers(MAX_DEPTH - 5, MAX_DEPTH, size=len(deep))
            while (depth[a] > target).any():
                a = np.where(depth[a] > target, parent[a], a)
            parent[deep] = a
            depth = _depths(parent)
        self.parent, self.depth = parent, depth
        self.is_dist = np.zeros(self.n, bool)
        self.is_dist[chosen] = True
        reach = rng.pareto(1.2, m) + 0.05
        reach[is_root] *= 4
        self.reach_cum = np.cumsum(reach)

    # -- the planted rings (D-8) -------------------------------------------------------------------
    def place_rings(self) -> None:
        rng = self.rng
        self.ring_bindings = _Lists("c", "d", "since", "expires", "ended", "reason", "source")
        self.ring_orders = _Lists("c", "paid", "completed", "lines", "refund")
        self.ring_signals = _Lists("c", "kind", "value", "first", "last")
        self.labels = _Lists("ring", "kind", "c", "role")
        self.extra = _Lists("c", "became", "inviter")  # burst distributors (leaves)
        self.ended_patch: dict[int, int] = {}  # distributor position -> its binding's end
        if not self.ring_list:
            self.reserved = np.zeros(0, np.int64)
            return
        eligible = np.flatnonzero(self.became <= END_MS - 45 * DAY)
        if len(eligible) < self.ring_distributor_need:
            eligible = np.arange(len(self.became))
        picks = iter(rng.choice(eligible, self.ring_distributor_need, replace=False).tolist())
        free = np.flatnonzero(~self.is_dist)
        reserved = rng.choice(free, self.reserved_need, replace=False).astype(np.int64)
        self.reserved = reserved
        accounts = iter(reserved.tolist())
        shared = iter(range(10**9))  # ring-shared signal values, distinct from everyone's
        for ring in self.ring_list:
            if ring.kind == "circular":
                ring.distributors = [next(picks) for _ in range(ring.size)]
            else:
                ring.distributors = [next(picks)]
                ring.accounts = [next(accounts) for _ in range(ring.size)]
            getattr(self, f"_ring_{ring.kind}")(ring, lambda: next(shared))

    def _label(self, ring: _Ring, c: int, role: str) -> None:
        self.labels.add(ring=ring.ring_id, kind=ring.kind, c=c, role=role)

    def _bind(
        self, c: int, d: int, since: int, *, ended: int = -1, reason: int = -1, source: int = 0
    ) -> None:
        self.ring_bindings.add(
            c=c, d=d, since=since, expires=-1, ended=ended, reason=reason, source=source
        )

    def _signal(self, c: int, kind: str, value: str, first: int) -> None:
        first = max(first, int(self.joined[c]))
        last = first + int(self.rng.random() * (END_MS - first)) // SECOND * SECOND
        self.ring_signals.add(
            c=c, kind=SIGNAL_KINDS.index(kind), value=value, first=first, last=last
        )

    def _order(
        self,
        c: int,
        paid: int,
        lines: list[tuple[int, int]],
        *,
        completed: int | None = None,
        refund: tuple[int, int] | None = None,
    ) -> None:
        """A ring order: ``lines`` (product, qty); ``refund`` (line index, at) refunds a whole
        line."""
        if completed is None:
            done = paid + int(self.rng.integers(2, 10)) * DAY
            completed = done if done <= END_MS else -1
        self.ring_orders.add(c=c, paid=paid, completed=completed, lines=lines, refund=refund)

    def _products(self, k: int, *, expensive: bool = False) -> list[int]:
        if expensive:
            top = np.argsort(-self.price, kind="stable")[: max(3, len(self.price) // 10)]
            return [int(x) for x in self.rng.choice(top, k, replace=False)]
        return [int(x) for x in self.rng.choice(len(self.price), k, replace=False)]

    def _after(self, t: int, lo: int, hi: int, *, end: int = END_MS) -> int:
        """A whole second in [t + lo, min(t + hi, end))."""
        hi = max(lo + SECOND, min(hi, end - t))
        return int((t + lo + int(self.rng.integers(0, hi - lo))) // SECOND * SECOND)

    def _ring_self_dealing(self, ring: _Ring, shared: Callable[[], int]) -> None:
        pos = ring.distributors[0]
        d = int(self.dc[pos])
        became = int(self.became[pos])
        device, account = f"dev-ring{shared():06d}", f"wx:ring{shared():08d}"
        self._label(ring, d, "distributor")
        self._signal(d, "device", device, became)
        self._signal(d, "account", account, became)
        for c in ring.accounts:
            joined = self._after(became, DAY, 60 * DAY, end=END_MS - 20 * DAY)
            self.joined[c] = joined
            self.via[c] = d
            self._bind(c, d, joined)
            self._label(ring, c, "alt")
            self._signal(c, "device", device, joined)
            self._signal(c, "account", account, joined)
            if self.rng.random() < 0.5 and self.phone[d] >= 0:
                self.phone[c] = self.phone[d]  # the distributor's own phone
            for _ in range(int(self.rng.integers(2, 7))):
                paid = self._after(joined, HOUR, END_MS - joined - HOUR)
                self._order(c, paid, [(p, 1) for p in self._products(int(self.rng.integers(1, 3)))])

    def _ring_circular(self, ring: _Ring, shared: Callable[[], int]) -> None:
        members = [int(self.dc[p]) for p in ring.distributors]
        start = max(int(self.became[p]) for p in ring.distributors)
        t_loop = self._after(start, DAY, 10 * DAY, end=END_MS - 20 * DAY)
        for j, pos in enumerate(ring.distributors):
            c, nxt = members[j], members[(j + 1) % len(members)]
            ended = t_loop + j * MINUTE
            if self.parent[pos] >= 0:  # its binding to its inviter ends first
                self.ended_patch[pos] = ended
            since = self._after(ended, MINUTE, HOUR)
            self._bind(c, nxt, since)
            self._label(ring, c, "member")
            for _ in range(int(self.rng.integers(2, 5))):
                paid = self._after(since, HOUR, END_MS - since - HOUR)
                self._order(c, paid, [(p, 1) for p in self._products(1)])

    def _ring_invite_burst(self, ring: _Ring, shared: Callable[[], int]) -> None:
        pos = ring.distributors[0]
        d = int(self.dc[pos])
        t0 = self._after(int(self.became[pos]), DAY, 60 * DAY, end=END_MS - 5 * DAY)
        device, ip = f"dev-ring{shared():06d}", f"100.{64 + shared() % 64}.{shared() % 256}.7"
        self._label(ring, d, "inviter")
        offsets = np.sort(self.rng.choice(600, len(ring.accounts), replace=False))
        becoming = set(self.rng.choice(len(ring.accounts), ring.size // 3, replace=False).tolist())
        for j, c in enumerate(ring.accounts):
            joined = t0 + int(offsets[j]) * SECOND
            since = joined + int(self.rng.integers(5, 30)) * SECOND
            self.joined[c] = joined
            self.via[c] = d
            self._bind(c, d, since)
            self._label(ring, c, "account")
            self._signal(c, "device", device, joined)
            self._signal(c, "ip", ip, joined)
            if j in becoming:
                self.extra.add(
                    c=c, became=since + int(self.rng.integers(30, 120)) * SECOND, inviter=d
                )
            elif self.rng.random() < 0.3:
                cheap = int(np.argmin(self.price))
                self._order(c, self._after(since, HOUR, 3 * DAY), [(cheap, 1)])

    def _ring_refund_after_settle(self, ring: _Ring, shared: Callable[[], int]) -> None:
        pos = ring.distributors[0]
        d = int(self.dc[pos])
        became = int(self.became[pos])
        city, road = _CITIES[shared() % len(_CITIES)], _ROADS[shared() % len(_ROADS)]
        address = f"{city}{road}{shared() % 900 + 100}号"
        self._refund_farm(ring, d, became, address, (HOUR, 48 * HOUR))

    def _refund_farm(
        self, ring: _Ring, d: int, became: int, address: str, delay: tuple[int, int]
    ) -> None:
        """Buyers of ``d`` on one address placing large orders, each refunded in full ``delay``
        (a range) after its rewards settled (D-8's kind, and D-11's late one)."""
        self._label(ring, d, "distributor")
        for c in ring.accounts:
            joined = self._after(became, DAY, 30 * DAY, end=END_MS - 40 * DAY)
            self._join_via(c, d, joined)
            self._label(ring, c, "buyer")
            self._signal(c, "address", address, joined)
            for _ in range(int(self.rng.integers(2, 5))):
                paid = self._after(joined, HOUR, END_MS - joined - 25 * DAY)
                completed = paid + int(self.rng.integers(2 * DAY, 4 * DAY)) // SECOND * SECOND
                settled = completed + SETTLE_DAYS * DAY
                at = settled + int(self.rng.integers(*delay)) // SECOND * SECOND
                lines = [
                    (p, int(self.rng.integers(2, 6))) for p in self._products(1, expensive=True)
                ]
                self._order(c, paid, lines, completed=completed, refund=(0, at))

    # -- extra rings (D-11) and honest look-alikes (D-12), from a stream of their own -------------
    def place_extra(self) -> None:
        """Off (the default), no draw is made and nothing changes: a seed's files stay as they
        were. On, every draw comes from ``default_rng([seed, EXTRA_STREAM])``."""
        self.lookalike_bound = np.zeros(0, np.int64)
        if not self.extra_rings and not self.lookalikes:
            return
        saved, self.rng = self.rng, np.random.default_rng([self.seed, EXTRA_STREAM])
        try:
            self._place_extra()
        finally:
            self.rng = saved

    def _place_extra(self) -> None:
        rng = self.rng
        sizes = {
            "carousel": (4, 5),
            "ip_burst": (12, 21),
            "slow_burst": (12, 21),
            "long_cycle": (7, 10),
            "late_refund": (3, 7),
            "honest_family": (1, 4),
            "honest_office": (5, 9),
            "honest_campus": (30, 61),
            "honest_livestream": (100, 201),
        }
        rings = [
            _Ring(f"ring-{self.rings + r + 1:04d}", kind, int(rng.integers(*sizes[kind])))
            for r, kind in enumerate(
                self.extra_kinds[r % len(self.extra_kinds)] for r in range(self.extra_rings)
            )
        ]
        groups = [
            _Ring(
                f"honest-{i * len(HONEST_KINDS) + j + 1:04d}", kind, int(rng.integers(*sizes[kind]))
            )
            for i in range(self.lookalikes)
            for j, kind in enumerate(HONEST_KINDS)
        ]
        for r in rings:
            r.spread = r.size if r.kind in ("carousel", "long_cycle") else 1
        for g in groups:
            g.spread = int(rng.integers(3, 7)) if g.kind == "honest_campus" else 1
        ring_accounts = sum(r.size for r in rings if r.kind != "long_cycle")
        clients = [
            int(rng.integers(2, 5)) if g.kind in ("honest_family", "honest_office") else 0
            for g in groups
        ]
        group_accounts = sum(g.size for g in groups) + sum(clients)
        used = {p for r in self.ring_list for p in r.distributors}
        eligible = np.setdiff1d(
            np.flatnonzero(self.became <= END_MS - 60 * DAY), np.fromiter(used, np.int64)
        )
        free_mask = ~self.is_dist
        free_mask[self.reserved] = False
        free = np.flatnonzero(free_mask)
        need = sum(x.spread for x in [*rings, *groups])
        if len(eligible) < need or len(free) < ring_accounts + group_accounts:
            raise ValueError(
                f"{self.extra_rings} extra rings and {self.lookalikes} look-alikes of each kind "
                f"need {need} distributors of two months and {ring_accounts + group_accounts} "
                "other customers: lower --extra-rings or --lookalikes"
            )
        picks = iter(rng.choice(eligible, need, replace=False).tolist())
        accounts = iter(rng.choice(free, ring_accounts + group_accounts, replace=False).tolist())
        fresh = iter(range(1, 10**9))  # values no one else has (_device, _ip, _address)
        taken: list[int] = []
        for r in rings:
            r.distributors = [next(picks) for _ in range(r.spread)]
            if r.kind != "long_cycle":
                r.accounts = [next(accounts) for _ in range(r.size)]
                taken += r.accounts
            getattr(self, f"_ring_{r.kind}")(r, lambda: next(fresh))
        self.reserved = np.concatenate([self.reserved, np.asarray(taken, np.int64)])
        bound: list[int] = []
        for g, k in zip(groups, clients, strict=True):
            g.distributors = [next(picks) for _ in range(g.spread)]
            g.accounts = [next(accounts) for _ in range(g.size)]
            g.clients = [next(accounts) for _ in range(k)]
            bound += g.accounts + g.clients
            getattr(self, f"_{g.kind}")(g, lambda: next(fresh))
        self.lookalike_bound = np.asarray(bound, np.int64)

    @staticmethod
    def _device(x: int) -> str:  # generic devices are "dev-" and 12 hex digits, D-8's "dev-ring"
        return f"dev-x{x:06d}"

    @staticmethod
    def _ip(x: int) -> str:  # in 100.64.0.0/10, which no generic IP uses; never ".7" (D-8's)
        return f"100.{64 + x % 64}.{x // 64 % 256}.{20 + x // 16384 % 200}"

    @staticmethod
    def _address(x: int) -> str:  # "座": neither the generic (栋…室) nor D-8's addresses
        city, road = _CITIES[x % len(_CITIES)], _ROADS[x // 7 % len(_ROADS)]
        return f"{city}{road}{100 + x}号{x % 30 + 1}座"  # the number: one address per x

    def _join_via(self, c: int, d: int, joined: int, since: int | None = None) -> None:
        """``c`` joins at ``joined`` through distributor ``d`` and is bound to it."""
        self.joined[c] = joined
        self.via[c] = d
        self._bind(c, d, joined if since is None else since)

    def _buys(self, c: int, after: int, k: int, *, expensive: bool = False) -> None:
        for _ in range(k):
            paid = self._after(after, HOUR, END_MS - after - HOUR)
            lines = self._products(int(self.rng.integers(1, 3)), expensive=expensive)
            self._order(c, paid, [(p, 1) for p in lines])

    def _share_phone(self, a: int, b: int) -> None:
        p = self.phone[a] if self.phone[a] >= 0 else self.phone[b]
        if p >= 0:
            self.phone[a] = self.phone[b] = p

    def _ring_carousel(self, ring: _Ring, fresh: Callable[[], int]) -> None:
        """Alt ``A_j`` of distributor ``D_j`` buys through ``D_{j+1}`` (A4 through D1): the
        commission goes round; ties are weak (D1/A1 and D3/A3 share a phone; A2, A4, D2, D4 one
        address) and there is no binding cycle among the distributors."""
        ds = [int(self.dc[p]) for p in ring.distributors]
        t0 = self._after(
            max(int(self.became[p]) for p in ring.distributors),
            DAY,
            30 * DAY,
            end=END_MS - 40 * DAY,
        )
        for d in ds:
            self._label(ring, d, "distributor")
        for j, c in enumerate(ring.accounts):
            payee = ds[(j + 1) % len(ds)]
            joined = self._after(t0, HOUR, 10 * DAY)
            self._join_via(c, payee, joined)
            self._label(ring, c, "alt")
            self._buys(c, joined, int(self.rng.integers(3, 7)), expensive=True)
        for j in (0, 2):
            self._share_phone(ds[j], ring.accounts[j])
        address = self._address(fresh())
        for c in (ring.accounts[1], ring.accounts[3], ds[1], ds[3]):
            self._signal(c, "address", address, t0)

    def _burst(self, ring: _Ring, span: int, kind: str, value: str) -> None:
        """``ring.accounts`` join through one distributor within ``span`` ms, all seen with one
        ``kind`` signal ``value``; a third buy something cheap."""
        pos = ring.distributors[0]
        d = int(self.dc[pos])
        t0 = self._after(int(self.became[pos]), DAY, 60 * DAY, end=END_MS - 5 * DAY)
        self._label(ring, d, "inviter")
        offsets = np.sort(self.rng.integers(0, span // SECOND, len(ring.accounts))) * SECOND
        for j, c in enumerate(ring.accounts):
            joined = t0 + int(offsets[j])
            self._join_via(c, d, joined, joined + int(self.rng.integers(5, 30)) * SECOND)
            self._label(ring, c, "account")
            self._signal(c, kind, value, joined)
            if self.rng.random() < 0.3:
                cheap = int(np.argmin(self.price))
                self._order(c, self._after(joined, HOUR, 3 * DAY), [(cheap, 1)])

    def _ring_ip_burst(self, ring: _Ring, fresh: Callable[[], int]) -> None:
        """12–20 accounts within ten minutes on one fresh IP, each on its own device."""
        self._burst(ring, 10 * MINUTE - 30 * SECOND, "ip", self._ip(fresh()))

    def _ring_slow_burst(self, ring: _Ring, fresh: Callable[[], int]) -> None:
        """12–20 accounts on one device, joining over about two days."""
        span = int(self.rng.integers(40, 57)) * HOUR
        self._burst(ring, span, "device", self._device(fresh()))

    def _ring_long_cycle(self, ring: _Ring, fresh: Callable[[], int]) -> None:
        """D-8's circular ring with 7–9 distributors."""
        self._ring_circular(ring, fresh)

    def _ring_late_refund(self, ring: _Ring, fresh: Callable[[], int]) -> None:
        """D-8's refund farm, refunding 3.5–5 days after the rewards settled."""
        pos = ring.distributors[0]
        d = int(self.dc[pos])
        became = int(self.became[pos])
        self._refund_farm(ring, d, became, self._address(fresh()), (84 * HOUR, 120 * HOUR))

    def _ordinary_clients(self, g: _Ring, d: int, became: int) -> None:
        """A look-alike's distributor also has clients outside the group (unlabelled)."""
        for c in g.clients:
            joined = self._after(became, DAY, END_MS - became - 10 * DAY)
            self._join_via(c, d, joined)
            self._buys(c, joined, int(self.rng.integers(1, 4)))

    def _honest_family(self, g: _Ring, fresh: Callable[[], int]) -> None:
        """A distributor mother and 1–3 children bound to her, buying on the family tablet, to
        the family's address."""
        pos = g.distributors[0]
        p, became = int(self.dc[pos]), int(self.became[pos])
        t0 = self._after(became, DAY, 120 * DAY, end=END_MS - 30 * DAY)
        tablet, address = self._device(fresh()), self._address(fresh())
        self._label(g, p, "parent")
        self._signal(p, "device", tablet, t0)
        self._signal(p, "address", address, t0)
        for c in g.accounts:
            joined = self._after(t0, MINUTE, 5 * DAY)
            self._join_via(c, p, joined)
            self._label(g, c, "child")
            self._signal(c, "device", tablet, joined)
            self._signal(c, "address", address, joined)
            self._buys(c, joined, int(self.rng.integers(2, 6)))
        self._ordinary_clients(g, p, became)

    def _honest_office(self, g: _Ring, fresh: Callable[[], int]) -> None:
        """A distributor and 5–8 co-workers on the office IP and address, each on their own
        device, buying through her: 2–4 group buys (most co-workers order the same product
        within two hours) and a few orders of their own."""
        pos = g.distributors[0]
        d, became = int(self.dc[pos]), int(self.became[pos])
        t0 = self._after(became, DAY, 120 * DAY, end=END_MS - 40 * DAY)
        ip, address = self._ip(fresh()), self._address(fresh())
        self._label(g, d, "distributor")
        self._signal(d, "ip", ip, t0)
        self._signal(d, "address", address, t0)
        buys = [  # after every co-worker joined (within three weeks of t0)
            (self._after(t0 + 22 * DAY, 0, END_MS - t0 - 24 * DAY), self._products(1)[0])
            for _ in range(int(self.rng.integers(2, 5)))
        ]
        for c in g.accounts:
            joined = self._after(t0, MINUTE, 21 * DAY)
            self._join_via(c, d, joined)
            self._label(g, c, "coworker")
            self._signal(c, "ip", ip, joined)
            self._signal(c, "address", address, joined)
            for at, product in buys:
                if self.rng.random() < 0.75:
                    paid = self._after(at, SECOND, 2 * HOUR)
                    self._order(c, paid, [(product, int(self.rng.integers(1, 3)))])
            self._buys(c, joined, int(self.rng.integers(0, 3)))
        self._ordinary_clients(g, d, became)

    def _group_rows(
        self, g: _Ring, ds: np.ndarray, joined: np.ndarray, role: str, buy: np.ndarray
    ) -> None:
        """Vectorised rows of a large look-alike: ``g.accounts`` join at ``joined`` through the
        distributors ``ds`` (customer indices) and are bound to them; ``buy`` orders each."""
        cs = np.asarray(g.accounts, np.int64)
        joined = joined // SECOND * SECOND
        self.joined[cs] = joined
        self.via[cs] = ds
        since = joined + self.rng.integers(5, 60, len(cs)) * SECOND
        n = len(cs)
        self.ring_bindings.extend(
            c=cs, d=ds, since=since, expires=[-1] * n, ended=[-1] * n, reason=[-1] * n,
            source=[0] * n,
        )  # fmt: skip
        self.labels.extend(ring=[g.ring_id] * n, kind=[g.kind] * n, c=cs, role=[role] * n)
        for c, t, k in zip(cs.tolist(), since.tolist(), buy.tolist(), strict=True):
            for _ in range(k):  # soon after joining (a live broadcast's offer), or later
                soon = self.rng.random() < 0.6
                paid = self._after(t, MINUTE, 3 * HOUR if soon else END_MS - t - HOUR)
                self._order(
                    c, paid, [(int(self.rng.choice(len(self.price), p=self.popularity)), 1)]
                )

    def _signals(self, cs: np.ndarray, kind: str, value: str, first: np.ndarray) -> None:
        first = np.maximum(first // SECOND * SECOND, self.joined[cs])
        last = first + (self.rng.random(len(cs)) * (END_MS - first)).astype(np.int64)
        n = len(cs)
        self.ring_signals.extend(
            c=cs, kind=[SIGNAL_KINDS.index(kind)] * n, value=[value] * n, first=first,
            last=last // SECOND * SECOND,
        )  # fmt: skip

    def _honest_campus(self, g: _Ring, fresh: Callable[[], int]) -> None:
        """30–60 students behind the campus NAT (one IP), joining over weeks, bound to 3–6
        distributors; most buy a little."""
        ds = np.asarray([int(self.dc[p]) for p in g.distributors], np.int64)
        start = max(int(self.became[p]) for p in g.distributors)
        t0 = self._after(start, DAY, 60 * DAY, end=END_MS - 70 * DAY)
        n = len(g.accounts)
        joined = t0 + (self.rng.random(n) * int(self.rng.integers(21, 57)) * DAY).astype(np.int64)
        payee = ds[self.rng.integers(0, len(ds), n)]
        self._group_rows(g, payee, joined, "student", self.rng.integers(0, 4, n))
        self._signals(np.asarray(g.accounts, np.int64), "ip", self._ip(fresh()), joined)

    def _honest_livestream(self, g: _Ring, fresh: Callable[[], int]) -> None:
        """A big distributor's 100–200 clients joining in waves during 3–6 live broadcasts,
        each on their own device and IP; many buy the broadcast's offer."""
        pos = g.distributors[0]
        d, became = int(self.dc[pos]), int(self.became[pos])
        self._label(g, d, "distributor")
        waves = np.sort(
            became
            + DAY
            + (self.rng.random(int(self.rng.integers(3, 7))) * (END_MS - 15 * DAY - became)).astype(
                np.int64
            )
        )
        n = len(g.accounts)
        wave = waves[self.rng.integers(0, len(waves), n)]
        joined = wave + np.minimum(self.rng.exponential(25 * MINUTE, n), 3 * HOUR).astype(np.int64)
        buy = np.where(self.rng.random(n) < 0.5, self.rng.integers(1, 3, n), 0)
        self._group_rows(g, np.full(n, d, np.int64), joined, "client", buy)

    # -- bindings ----------------------------------------------------------------------------------
    def distributor_bindings(self) -> None:
        """Each invitee bound to its inviter from before it became a distributor (R-2.2)."""
        rng = self.rng
        kids = np.flatnonzero(self.parent >= 0)
        par = self.parent[kids]
        lo = np.maximum(self.joined[self.dc[kids]], self.became[par])
        hi = self.became[kids]
        at_join = (self.joined[self.dc[kids]] >= self.became[par]) & (rng.random(len(kids)) < 0.5)
        since = np.where(
            at_join, lo, _seconds(lo + (rng.random(len(kids)) * (hi - lo)).astype(np.int64))
        )
        self.via[self.dc[kids[at_join]]] = self.dc[par[at_join]]
        ended = np.full(len(kids), -1, np.int64)
        reason = np.full(len(kids), -1, np.int64)
        if self.ended_patch:
            where = np.searchsorted(kids, np.asarray(list(self.ended_patch), np.int64))
            ended[where] = np.asarray(list(self.ended_patch.values()), np.int64)
            reason[where] = END_REASONS.index("merchant_unbind")
        self.bind_parts = [
            (
                self.dc[kids],
                self.dc[par],
                since,
                np.full(len(kids), -1, np.int64),
                ended,
                reason,
                np.zeros(len(kids), np.int64),
            )
        ]

    def _pick(self, k: np.ndarray) -> np.ndarray:
        """A distributor position among the first ``k`` (those who had become distributors),
        weighted by reach."""
        x = self.rng.random(len(k)) * self.reach_cum[k - 1]
        return np.minimum(np.searchsorted(self.reach_cum, x, side="right"), k - 1)

    def customer_bindings(self) -> None:
        """Binding histories of the customers who are not distributors (D-5)."""
        rng = self.rng
        mask = ~self.is_dist
        mask[self.reserved] = False
        mask[self.lookalike_bound] = False  # bound by their group (D-12)
        c = np.flatnonzero(mask)
        c = c[rng.random(len(c)) < 0.82]
        at_join = rng.random(len(c)) < 0.6
        later = rng.exponential(20 * DAY, len(c)).astype(np.int64) + MINUTE
        s = _seconds(self.joined[c] + np.where(at_join, 0, later))
        src = np.zeros(len(c), np.int64)
        prev = np.full(len(c), -1, np.int64)
        first = True
        for segment in range(3):
            k = np.searchsorted(self.became, s, side="right")
            ok = (k > 0) & (s < END_MS - HOUR)
            c, s, src, prev, k, at_join = c[ok], s[ok], src[ok], prev[ok], k[ok], at_join[ok]
            d = self._pick(k)
            same = d == prev  # a merchant rebind moves the customer to another distributor
            d = np.where(same & (k > 1), (d + 1) % np.maximum(k, 1), d)
            keep = d != prev
            c, s, src, prev, d, at_join = (
                c[keep],
                s[keep],
                src[keep],
                prev[keep],
                d[keep],
                at_join[keep],
            )
            m = len(c)
            if first:
                self.via[c[at_join]] = self.dc[d[at_join]]
                first = False
            expires = np.where(rng.random(m) < 0.35, s + 180 * DAY, -1)
            expired = (expires >= 0) & (expires <= END_MS)
            r = rng.random(m)
            last = segment == 2
            rebind = ~expired & (r < 0.04) & (not last)
            unbind = ~expired & (r >= 0.04) & (r < 0.055)
            t = _seconds(
                s + SECOND + (rng.random(m) * np.maximum(END_MS - HOUR - s, 0)).astype(np.int64)
            )
            ended = np.where(expired, expires, np.where(rebind | unbind, t, -1))
            reason = np.select([expired, rebind, unbind], [0, 1, 2], -1)
            self.bind_parts.append((c, self.dc[d], s, expires, ended, reason, src))
            go = rebind | (expired & (rng.random(m) < 0.5)) | (unbind & (rng.random(m) < 0.3))
            gap = _seconds(rng.exponential(15 * DAY, m).astype(np.int64) + MINUTE)
            s = np.where(rebind, t, ended + gap)[go]
            src = np.where(rebind, 1, 0)[go]
            prev, c = d[go], c[go]
            at_join = np.zeros(len(c), bool)
        rb = self.ring_bindings
        if len(rb):
            self.bind_parts.append(tuple(rb.array(x) for x in rb.cols))  # type: ignore[arg-type]

    def levels(self) -> None:
        """Distributors' levels from their open bindings and invitees; 1% frozen."""
        m = len(self.dc)
        pos_of = np.full(self.n, -1, np.int64)
        pos_of[self.dc] = np.arange(m)
        direct = np.zeros(m, np.int64)
        for _c, d, _s, _e, ended, _r, _src in self.bind_parts:
            p = pos_of[d[ended < 0]]
            direct += np.bincount(p[p >= 0], minlength=m)
        invitees = np.bincount(self.parent[self.parent >= 0], minlength=m)
        self.level = 1 + ((direct >= 30) | (invitees >= 5)) + ((direct >= 300) | (invitees >= 30))
        self.frozen = self.rng.random(m) < 0.01

    # -- orders and refunds (D-6) ------------------------------------------------------------------
    def orders(self) -> None:
        rng = self.rng
        ro = self.ring_orders
        honest = max(0, self.k - len(ro))
        mask = np.ones(self.n, bool)
        mask[self.reserved] = False
        elig = np.flatnonzero(mask)
        w = rng.lognormal(0, 1.3, len(elig))
        w[rng.random(len(elig)) < 0.35] = 0.0  # a third never buy
        cum = np.cumsum(w)
        buyer = elig[
            np.minimum(np.searchsorted(cum, rng.random(honest) * cum[-1], "right"), len(elig) - 1)
        ]
        joined = self.joined[buyer]
        room = np.maximum(END_MS - 2 * HOUR - joined - MINUTE, 0)
        paid = _seconds(joined + MINUTE + (rng.random(honest) * room).astype(np.int64))
        nlines = rng.choice(3, size=honest, p=[0.75, 0.18, 0.07]) + 1
        p = len(self.price)
        p1 = rng.choice(p, size=honest, p=self.popularity)
        a = 1 + rng.integers(0, p - 2, size=honest)
        b = a + 1 + (rng.random(honest) * (p - 1 - a)).astype(np.int64)
        pct = rng.choice([100, 95, 90, 85, 80], size=honest, p=[0.6, 0.15, 0.12, 0.08, 0.05])
        done = paid + rng.integers(2 * DAY, 10 * DAY, size=honest) // SECOND * SECOND
        completed = np.where((done <= END_MS) & (rng.random(honest) >= 0.02), done, -1)

        line_start = np.concatenate([[0], np.cumsum(nlines)[:-1]]).astype(np.int64)
        total = int(nlines.sum())
        lo = np.repeat(np.arange(honest), nlines)
        ln = np.arange(total) - line_start[lo]
        offset = np.select([ln == 1, ln == 2], [a[lo], b[lo]], 0)
        prod = (p1[lo] + offset) % p
        qty = rng.choice(5, size=total, p=[0.8, 0.12, 0.05, 0.02, 0.01]) + 1
        line_paid = self.price[prod] * qty * pct[lo] // 100
        split = np.where(rng.random(total) < 0.2, line_paid * 97 // 100, line_paid)

        # refunds: ~5% of orders, one line each (D-6)
        ref = np.flatnonzero(rng.random(honest) < 0.05)
        rline = line_start[ref] + (rng.random(len(ref)) * nlines[ref]).astype(np.int64)
        full = rng.random(len(ref)) < 0.6
        part = np.maximum((line_paid[rline] * rng.uniform(0.1, 0.9, len(ref))).astype(np.int64), 1)
        amount = np.where(full, line_paid[rline], np.minimum(part, line_paid[rline]))
        rp, rc = paid[ref], completed[ref]
        window_end = np.where(rc >= 0, rc + SETTLE_DAYS * DAY, rp + 7 * DAY)
        before = (
            rp
            + HOUR
            + (rng.random(len(ref)) * np.maximum(window_end - rp - HOUR, 0)).astype(np.int64)
        )
        after = rc + SETTLE_DAYS * DAY + rng.integers(DAY, 30 * DAY, size=len(ref))
        late = (rc >= 0) & (rng.random(len(ref)) < 0.15) & (after < END_MS)
        at = _seconds(np.where(late, after, before))
        at = np.where(at >= END_MS, rp + (END_MS - rp) // 2 // SECOND * SECOND, at)
        at = np.maximum(at, rp + SECOND)
        closed = full & (nlines[ref] == 1) & (rc >= 0) & (at < rc)
        completed[ref[closed]] = -1  # fully refunded before completing: never completes

        # ring orders appended (few; a loop is fine)
        r_buyer, r_paid, r_done = ro.array("c"), ro.array("paid"), ro.array("completed")
        r_lines = ro.cols["lines"]
        r_n = np.asarray([len(x) for x in r_lines], np.int64)
        r_prod = np.asarray([pp for x in r_lines for pp, _ in x], np.int64)
        r_qty = np.asarray([q for x in r_lines for _, q in x], np.int64)
        r_lo = np.repeat(np.arange(len(ro)), r_n) + honest
        r_paid_line = self.price[r_prod] * r_qty if len(r_prod) else np.zeros(0, np.int64)
        r_start = np.concatenate([[0], np.cumsum(r_n)[:-1]]).astype(np.int64) + total
        r_ref = [(i, x) for i, x in enumerate(ro.cols["refund"]) if x is not None]
        r_ref_line = np.asarray([r_start[i] + li for i, (li, _) in r_ref], np.int64)
        r_ref_at = np.asarray([at_ for _, (_, at_) in r_ref], np.int64)

        o_buyer = np.concatenate([buyer, r_buyer])
        o_paid = np.concatenate([paid, r_paid])
        o_done = np.concatenate([completed, r_done])
        l_order = np.concatenate([lo, r_lo])
        l_prod = np.concatenate([prod, r_prod])
        l_qty = np.concatenate([qty, r_qty])
        l_paid = np.concatenate([line_paid, r_paid_line])
        l_split = np.concatenate([split, r_paid_line])
        f_line = np.concatenate([rline, r_ref_line])
        f_amount = np.concatenate([amount, l_paid[r_ref_line]])
        f_at = np.concatenate([at, r_ref_at])

        # ids in paid order (D-3)
        number = np.empty(len(o_paid), np.int64)
        number[np.lexsort((np.arange(len(o_paid)), o_paid))] = np.arange(1, len(o_paid) + 1)
        line_order = np.lexsort((l_prod, number[l_order]))
        self.o = {
            "number": number[l_order][line_order],
            "buyer": o_buyer[l_order][line_order],
            "paid_at": o_paid[l_order][line_order],
            "product": l_prod[line_order],
            "paid": l_paid[line_order],
            "qty": l_qty[line_order],
            "split": l_split[line_order],
            "cost": (self.cost[l_prod] * l_qty)[line_order],
            "completed": o_done[l_order][line_order],
        }
        f_order = np.lexsort((number[l_order[f_line]], f_at))
        self.f = {
            "number": np.arange(1, len(f_line) + 1),
            "order": number[l_order[f_line]][f_order],
            "amount": f_amount[f_order],
            "at": f_at[f_order],
            "product": l_prod[f_line][f_order],
        }
        self.buyers = np.unique(o_buyer)

    # -- signals (D-7) -----------------------------------------------------------------------------
    def signals(self) -> None:
        rng, n = self.rng, self.n
        seed = int(rng.integers(1 << 40))
        idx = np.arange(n, dtype=np.int64)
        parts: list[tuple[np.ndarray, int, pa.Array]] = []

        def hexes(x: np.ndarray, width: int) -> np.ndarray:
            return _digits(x, width, 16)

        # devices: one each, a second for 15%; 0.5% use a relative's
        dev_owner = idx.copy()
        family = rng.random(n) < 0.005
        dev_owner[family] = rng.integers(n, size=int(family.sum()))
        parts.append((idx, 0, _fixed([b"dev-", hexes(_mix(dev_owner * 2, seed), 12)], n)))
        two = np.flatnonzero(rng.random(n) < 0.15)
        parts.append((two, 0, _fixed([b"dev-", hexes(_mix(two * 2 + 1, seed), 12)], len(two))))
        # phones: the customer's own
        has = np.flatnonzero(self.phone >= 0)
        parts.append((has, 1, _fixed([_digits(self.phone[has], 11)], len(has))))
        # addresses: 90% of buyers; 1% share a relative's
        addr = self.buyers[rng.random(len(self.buyers)) < 0.9]
        owner = addr.copy()
        fam = rng.random(len(addr)) < 0.01
        owner[fam] = addr[rng.integers(len(addr), size=int(fam.sum()))] if len(addr) else owner[fam]
        h = _mix(owner, seed + 1, 40)
        address = _join(
            _take(_CITIES, h % len(_CITIES)),
            _take(_ROADS, h // 31 % len(_ROADS)),
            pc.cast(pa.array(h // 997 % 998 + 1), pa.string()),
            "号",
            pc.cast(pa.array(h // 1_000_003 % 30 + 1), pa.string()),
            "栋",
            pc.cast(pa.array((h // 40_000_000 % 26 + 1) * 100 + h // 7 % 4 + 1), pa.string()),
            "室",
        )
        parts.append((addr, 2, address))
        # payment accounts: half of the customers
        acc = np.flatnonzero(rng.random(n) < 0.5)
        ali = rng.random(len(acc)) < 0.4
        prefix = _take(["wx:o", "alipay:2088"], ali.astype(np.int64))
        parts.append((acc, 3, _join(prefix, _fixed([hexes(_mix(acc, seed + 2), 12)], len(acc)))))
        # IPs: an own address each; 35% also a public one shared by many (Zipf over a pool)
        own = _mix(idx, seed + 3, 24)  # distinct for up to 2**24 customers
        octet1 = np.asarray(
            [
                36,
                39,
                58,
                59,
                60,
                61,
                101,
                106,
                110,
                111,
                112,
                113,
                114,
                115,
                116,
                117,
                119,
                120,
                121,
                122,
                123,
                124,
                125,
                171,
                175,
                180,
                182,
                183,
                202,
                210,
                211,
                218,
                219,
                220,
                221,
                222,
                223,
            ]
        )[idx % 37]
        ip = _join(
            pc.cast(pa.array(octet1), pa.string()),
            ".",
            pc.cast(pa.array(own >> 16), pa.string()),
            ".",
            pc.cast(pa.array(own >> 8 & 255), pa.string()),
            ".",
            pc.cast(pa.array(own & 255), pa.string()),
        )
        parts.append((idx, 4, ip))
        pool = max(10, n // 4000)
        pub = np.flatnonzero(rng.random(n) < 0.35)
        zipf = 1.0 / np.arange(1, pool + 1)
        which = rng.choice(pool, size=len(pub), p=zipf / zipf.sum())
        parts.append(
            (
                pub,
                4,
                _join(
                    "117.136.",
                    pc.cast(pa.array(which // 250), pa.string()),
                    ".",
                    pc.cast(pa.array(which % 250 + 1), pa.string()),
                ),
            )
        )

        rs = self.ring_signals
        if len(rs):
            for code in range(len(SIGNAL_KINDS)):
                sel = [i for i, k in enumerate(rs.cols["kind"]) if k == code]
                if sel:
                    parts.append(
                        (
                            rs.array("c")[sel],
                            code,
                            pa.array([rs.cols["value"][i] for i in sel], pa.string()),
                        )
                    )
        cust = np.concatenate([p[0] for p in parts])
        kind = np.concatenate([np.full(len(p[0]), p[1], np.int64) for p in parts])
        value = pa.concat_arrays([p[2].cast(pa.string()) for p in parts])
        first = _seconds(self.joined[cust] + (rng.random(len(cust)) * 2 * HOUR).astype(np.int64))
        first = np.minimum(first, END_MS - SECOND)
        last = _seconds(first + (rng.random(len(cust)) * (END_MS - first)).astype(np.int64))
        n_generic = len(cust) - len(rs)
        if len(rs):  # ring signals keep their own times
            ring_rows = np.concatenate(
                [
                    [i for i, k in enumerate(rs.cols["kind"]) if k == kk]
                    for kk in range(len(SIGNAL_KINDS))
                ]
            ).astype(np.int64)
            first[n_generic:] = rs.array("first")[ring_rows]
            last[n_generic:] = rs.array("last")[ring_rows]
        order = np.lexsort((np.arange(len(cust)), kind, cust))
        self.s = {
            "c": cust[order],
            "kind": kind[order],
            "value": pc.take(value, pa.array(order)),
            "first": first[order],
            "last": last[order],
        }

    # -- the tables --------------------------------------------------------------------------------
    def tables(self) -> dict[str, pa.Table]:
        n, cw = self.n, self.cw

        def cid(x: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
            return ids("c", x, cw, valid)

        def iso8601(ms: np.ndarray) -> pa.Array:  # the data's times, moved to its end (D-2)
            return _iso8601(np.asarray(ms, np.int64) + self.shift)

        def _opt(ms: np.ndarray) -> pa.Array:
            ms = np.asarray(ms, np.int64)
            return _iso8601(ms + self.shift, ms >= 0)

        names = _join(
            _take(_SURNAMES, self.surname),
            _take(_GIVEN, self.given1),
            _take([*_GIVEN, ""], self.given2),
        )
        out: dict[str, pa.Table] = {}
        out["customers"] = _table(
            "customers",
            [
                cid(np.arange(n)),
                names,
                _fixed([_digits(np.maximum(self.phone, 0), 11)], n, self.phone >= 0),
                pa.array(self.verified),
                iso8601(self.joined),
                cid(self.via, self.via >= 0),
                _words(self.groups, GROUPS),
            ],
        )

        ex = self.extra
        d_c = np.concatenate([self.dc, ex.array("c")])
        d_became = np.concatenate([self.became, ex.array("became")])
        d_level = np.concatenate([self.level, np.ones(len(ex), np.int64)])
        d_frozen = np.concatenate([self.frozen, np.zeros(len(ex), bool)])
        order = np.argsort(d_c, kind="stable")
        out["distributors"] = _table(
            "distributors",
            [
                cid(d_c[order]),
                _words(d_frozen[order].astype(np.int64), ("active", "frozen")),
                pa.array(d_level[order], pa.int64()),
                iso8601(d_became[order]),
                pc.take(names, pa.array(d_c[order])),
                iso8601(self.joined[d_c[order]]),
            ],
        )

        kids = np.flatnonzero(self.parent >= 0)
        i_c = np.concatenate([self.dc[kids], ex.array("c")])
        i_inv = np.concatenate([self.dc[self.parent[kids]], ex.array("inviter")])
        i_at = np.concatenate([self.became[kids], ex.array("became")])
        order = np.argsort(i_c, kind="stable")
        out["invitations"] = _table(
            "invitations", [cid(i_c[order]), cid(i_inv[order]), iso8601(i_at[order])]
        )

        cols = [np.concatenate([p[i] for p in self.bind_parts]) for i in range(7)]
        order = np.lexsort((cols[2], cols[0]))
        b = [x[order] for x in cols]
        out["bindings"] = _table(
            "bindings",
            [
                cid(b[0]),
                cid(b[1]),
                iso8601(b[2]),
                _opt(b[3]),
                _opt(b[4]),
                _words(b[5], END_REASONS),
                _words(b[6], SOURCES),
                _words(self._channels(b[6]), CHANNELS),
            ],
        )

        p = len(self.price)
        out["products"] = _table(
            "products",
            [
                ids("p", np.arange(1, p + 1), 4),
                pa.array(self.product_names, pa.string()),
                pa.array(self.price),
                pa.array(self.cost),
                pa.array(self.reward_bp, mask=self.reward_bp < 0, type=pa.int64()),
                pa.array(self.reward_fen, mask=self.reward_fen < 0, type=pa.int64()),
            ],
        )

        o = self.o
        out["orders"] = _table(
            "orders",
            [
                ids("o", o["number"], self.ow),
                cid(o["buyer"]),
                iso8601(o["paid_at"]),
                ids("p", o["product"] + 1, 4),
                pa.array(o["paid"]),
                pa.array(o["qty"]),
                pa.array(o["split"]),
                pa.array(o["cost"]),
                _opt(o["completed"]),
            ],
        )
        f = self.f
        out["refunds"] = _table(
            "refunds",
            [
                ids("r", f["number"], self.ow),
                ids("o", f["order"], self.ow),
                pa.array(f["amount"]),
                iso8601(f["at"]),
                ids("p", f["product"] + 1, 4),
            ],
        )
        s = self.s
        out["signals"] = _table(
            "signals",
            [
                cid(s["c"]),
                _words(s["kind"], SIGNAL_KINDS),
                s["value"],
                iso8601(s["first"]),
                iso8601(s["last"]),
            ],
        )
        lb = self.labels
        out["labels"] = _table(
            "labels",
            [
                pa.array(lb.cols["ring"], pa.string()),
                pa.array(lb.cols["kind"], pa.string()),
                cid(lb.array("c")),
                pa.array(lb.cols["role"], pa.string()),
            ],
        )
        return out


def _table(kind: str, arrays: list[pa.Array]) -> pa.Table:
    schema = SCHEMAS[kind]
    return pa.Table.from_arrays(
        [a.cast(f.type) for a, f in zip(arrays, schema, strict=True)], schema=schema
    )


def _depths(parent: np.ndarray) -> np.ndarray:
    """Depth below its root of every node of a forest given as parent positions (-1: root)."""
    depth = np.zeros(len(parent), np.int64)
    has = parent >= 0
    for _ in range(len(parent) + 1):
        new = np.where(has, depth[parent] + 1, 0)
        if np.array_equal(new, depth):
            return depth
        depth = new
    raise ValueError("the invitations contain a cycle")


_iso8601 = iso8601


def default_end(now: int | None = None) -> int:
    """The data's end when none is given (D-2): ``now`` (the wall clock by default) to the
    whole minute."""
    from teamgraph.clock import now_ms

    t = now_ms() if now is None else now
    return t - t % MINUTE


# -- public API ------------------------------------------------------------------------------------
def generate(
    customers: int = 10_000,
    distributors: int = 1_000,
    orders: int = 20_000,
    seed: int = 7,
    rings: int | None = None,
    end: int | None = None,
    *,
    extra_rings: int = 0,
    extra_kinds: tuple[str, ...] = EXTRA_RING_KINDS,
    lookalikes: int = 0,
) -> SyntheticShop:
    """A synthetic shop (module docstring); ``rings=None`` plants ``max(4, customers //
    25,000)`` rings (none below 1,000 customers). The data covers the year before ``end``
    (epoch ms; by default :func:`default_end`, the current minute; D-2).

    ``extra_rings`` more rings of ``extra_kinds`` (taken in turn, D-11) and ``lookalikes``
    honest look-alike groups of each of :data:`HONEST_KINDS` (D-12), for an evaluation the
    detector was not written against; both off by default, and off they change nothing."""
    when = default_end() if end is None else end
    return _Generator(
        customers,
        distributors,
        orders,
        seed,
        rings,
        when,
        extra_rings=extra_rings,
        extra_kinds=tuple(extra_kinds),
        lookalikes=lookalikes,
    ).run()


SETTINGS: dict[str, Any] = {
    "settle_days": SETTLE_DAYS,
    "timezone": "Asia/Shanghai",
    "tiers": 2,
    "levels": [
        {"level": 1, "name": "推广员", "reward_bp": 1000, "inviter_reward_bp": 300},
        {
            "level": 2,
            "name": "银牌推广员",
            "conditions": {"bound_customers": 30, "invited_distributors": 5},
            "reward_bp": 1200,
            "inviter_reward_bp": 400,
        },
        {
            "level": 3,
            "name": "金牌推广员",
            "conditions": {"bound_customers": 300, "invited_distributors": 30},
            "reward_bp": 1500,
            "inviter_reward_bp": 500,
        },
    ],
}
"""D-9: the program the data assumes (``settings.json``, for ``teamgraph shop create
--settings``): three levels whose conditions are the ones the generator assigned levels by
(open bindings and invitees at the data's end), and the default seven settle days."""

LOAD_ORDER = (
    "distributors", "customers", "invitations", "bindings", "products", "orders", "refunds",
    "signals",
)  # fmt: skip
"""An order in which the files load without forward references: distributors first (they
create their customers, so ``via_distributor_id`` and bindings find them)."""


def write(shop: SyntheticShop, out_dir: Path | str, fmt: Format = "csv") -> dict[str, Path]:
    """Write every table as ``<out_dir>/<kind>.<fmt>`` (D-1, through
    :func:`teamgraph.sheets.write_arrow`, the one table writer) and ``settings.json`` (D-9);
    returns the paths by kind."""
    if fmt not in FORMATS:
        raise ValueError(f"format is one of {', '.join(FORMATS)}, got {fmt!r}")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = {}
    for kind, table in shop.tables.items():
        path = out / f"{kind}.{fmt}"
        write_arrow(table, path, fmt)
        paths[kind] = path
    settings = out / "settings.json"
    settings.write_text(json.dumps(SETTINGS, ensure_ascii=False, indent=2) + "\n", "utf-8")
    paths["settings"] = settings
    return paths


def read(out_dir: Path | str, fmt: Format | None = None) -> dict[str, pd.DataFrame]:
    """The files :func:`write` wrote, as frames: times as Int64 epoch ms, money as Int64."""
    base = Path(out_dir)
    frames = {}
    for kind, schema in SCHEMAS.items():
        found = [base / f"{kind}.{f}" for f in ([fmt] if fmt else FORMATS)]
        path = next((p for p in found if p.exists()), None)
        if path is None:
            raise FileNotFoundError(f"no {kind} file in {base}")
        if path.suffix == ".csv":
            table = pacsv.read_csv(
                path,
                convert_options=pacsv.ConvertOptions(
                    column_types=dict(zip(schema.names, schema.types, strict=True)),
                    strings_can_be_null=True,
                ),
            )
        else:
            table = pq.read_table(path)
        frames[kind] = frame(table)
    return frames


def frame(table: pa.Table | pd.DataFrame) -> pd.DataFrame:
    """A table as a frame for :func:`validate`: times parsed to Int64 epoch ms."""
    if isinstance(table, pa.Table):
        for i, name in enumerate(table.column_names):
            if name in TIME_COLUMNS and pa.types.is_string(table.schema.field(i).type):
                ms = _parse_iso_fixed(table.column(i))
                if ms is not None:
                    table = table.set_column(i, name, ms)
        df = table.to_pandas(types_mapper={pa.int64(): pd.Int64Dtype()}.get)
    else:
        df = table.copy()
    for col in df.columns:
        if col in TIME_COLUMNS:
            df[col] = parse_times(df[col])
    return df


def _parse_iso_fixed(values: pa.ChunkedArray | pa.Array) -> pa.Array | None:
    """The fast path of :func:`parse_times` for what :func:`iso8601` writes
    (``YYYY-MM-DDTHH:MM:SS+08:00``); None when any value has another shape."""
    arr = values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values
    arr = arr.cast(pa.large_string())
    valid = np.asarray(arr.is_valid())
    offsets = np.frombuffer(arr.buffers()[1], np.int64)[arr.offset : arr.offset + len(arr) + 1]
    data = np.frombuffer(arr.buffers()[2], np.uint8) if arr.buffers()[2] else np.zeros(0, np.uint8)
    start = offsets[:-1][valid]
    if ((offsets[1:] - offsets[:-1])[valid] != 25).any():
        return None
    n = len(offsets) - 1
    if n and (offsets == offsets[0] + np.arange(n + 1) * 25).all():  # as iso8601 wrote them
        text = data[offsets[0] : offsets[-1]].reshape(n, 25)[valid]
    else:
        text = data[start[:, None] + np.arange(25)]
    template = np.frombuffer(b"0000-00-00T00:00:00+08:00", np.uint8)
    fixed = np.array([i for i in range(25) if i in (4, 7, 10, 13, 16) or i >= 19])
    if len(text) and (text[:, fixed] != template[fixed]).any():
        return None

    def num(a: int, b: int) -> np.ndarray:
        out = np.zeros(len(text), np.int64)
        for k in range(a, b):
            out = out * 10 + (text[:, k].astype(np.int64) - 48)
        return out

    y, m, d = num(0, 4), num(5, 7), num(8, 10)
    y = y - (m <= 2)
    era = np.floor_divide(y, 400)
    yoe = y - era * 400
    doy = (153 * np.where(m > 2, m - 3, m + 9) + 2) // 5 + d - 1
    days = era * 146_097 + yoe * 365 + yoe // 4 - yoe // 100 + doy - 719_468
    secs = days * 86_400 + num(11, 13) * 3600 + num(14, 16) * 60 + num(17, 19)
    ms = np.zeros(len(arr), np.int64)
    ms[valid] = secs * SECOND - OFFSET_MS
    return pa.array(ms, mask=~valid, type=pa.int64())


def frames(shop: SyntheticShop) -> dict[str, pd.DataFrame]:
    return {kind: frame(t) for kind, t in shop.tables.items()}


# -- the validator: what a loader relies on --------------------------------------------------------
def _not_phones(values: pd.Series) -> np.ndarray:
    """Which of ``values`` (None: no phone) the importer would refuse as a phone
    (:func:`teamgraph.phones.normalize`, each distinct value once)."""
    bad = []
    for value in values.dropna().unique().tolist():
        try:
            phones.normalize(str(value))
        except ValidationError:
            bad.append(value)
    return _isin(values, bad) if bad else np.zeros(len(values), bool)


def validate(
    data: Mapping[str, pa.Table | pd.DataFrame], *, now: int = END_MS, max_depth: int = MAX_DEPTH
) -> list[str]:
    """Every consistency rule of the import files that a loader relies on; returns the
    problems found (empty when the data is consistent), each with a count and an example.
    ``now`` is the data's end (``SyntheticShop.end``, D-2)."""
    f = {k: frame(v) for k, v in data.items()}
    problems: list[str] = []

    def check(
        bad: pd.Series | pd.DataFrame | np.ndarray, what: str, rows: pd.DataFrame | None = None
    ) -> None:
        mask = np.asarray(bad, bool)
        if mask.any():
            example = "" if rows is None else f"; e.g. {rows[mask].iloc[0].to_dict()}"
            problems.append(f"{what}: {int(mask.sum())} rows{example}")

    cu, di, inv, bi = f["customers"], f["distributors"], f["invitations"], f["bindings"]
    pr, od, rf, si = f["products"], f["orders"], f["refunds"], f["signals"]
    for kind, key in (
        ("customers", ["id"]),
        ("distributors", ["id"]),
        ("invitations", ["id"]),
        ("products", ["id"]),
        ("refunds", ["id"]),
        ("orders", ["id", "product_id"]),
        ("bindings", ["customer_id", "since"]),
    ):
        check(f[kind].duplicated(key), f"{kind}: repeated {'+'.join(key)}", f[kind])
    for kind, frame_ in f.items():
        for col in frame_.columns:
            if col in TIME_COLUMNS and col != "expires_at":
                check(frame_[col].fillna(0) > now, f"{kind}.{col} after {now}", frame_)
    joined = cu.set_index("id")["joined_at"]
    became = di.set_index("id")["became_at"]
    check(~_isin(di["id"], cu["id"]), "distributors: not a customer", di)
    check(di["became_at"].isna(), "distributors: no became_at", di)
    check(
        (di["became_at"] < di["id"].map(joined)).fillna(False),
        "distributors: became before joining",
        di,
    )
    check(~_isin(di["status"], ["active", "frozen"]), "distributors: unknown status", di)
    via = cu["via_distributor_id"]
    check(
        via.notna() & ~_isin(via, di["id"]), "customers: via_distributor_id not a distributor", cu
    )
    check(
        (via.map(became) > cu["joined_at"]).fillna(False),
        "customers: joined via a distributor not yet one",
        cu,
    )

    # invitations: a forest, inviters older than invitees
    check(
        ~_isin(inv["id"], di["id"]) | ~_isin(inv["inviter_id"], di["id"]),
        "invitations: not distributors",
        inv,
    )
    check(inv["id"] == inv["inviter_id"], "invitations: self", inv)
    check(
        ~(inv["inviter_id"].map(became) < inv["id"].map(became)).fillna(False),
        "invitations: inviter not a distributor before the invitee",
        inv,
    )
    check(
        (inv["at"] < inv["inviter_id"].map(became)).fillna(False),
        "invitations: before the inviter became one",
        inv,
    )
    if not problems:
        depth = forest_depths(inv)
        if len(depth) and depth.max() > max_depth:
            problems.append(
                f"invitations: {int((depth > max_depth).sum())} deeper than {max_depth}"
            )

    # phones: numbers the loader reads (D-7, P-1)
    check(_not_phones(cu["phone"]), "customers: phone not a phone number", cu)
    sp = si[si["kind"] == "phone"]
    check(_not_phones(sp["value"]), "signals: phone value not a phone number", sp)

    # bindings
    check(~_isin(bi["customer_id"], cu["id"]), "bindings: unknown customer", bi)
    check(~_isin(bi["distributor_id"], di["id"]), "bindings: unknown distributor", bi)
    check(bi["customer_id"] == bi["distributor_id"], "bindings: self-binding", bi)
    check(
        ~(bi["distributor_id"].map(became) <= bi["since"]).fillna(False),
        "bindings: distributor did not exist at since",
        bi,
    )
    check(
        ~(bi["customer_id"].map(joined) <= bi["since"]).fillna(False),
        "bindings: before the customer joined",
        bi,
    )
    check((bi["ended_at"] <= bi["since"]).fillna(False), "bindings: ends before it starts", bi)
    check(
        bi["ended_at"].isna() != bi["end_reason"].isna(),
        "bindings: ended_at without end_reason or back",
        bi,
    )
    check(
        ~_isin(bi["end_reason"], END_REASONS) & bi["end_reason"].notna(),
        "bindings: unknown end_reason",
        bi,
    )
    check(~_isin(bi["source"], SOURCES), "bindings: unknown source", bi)
    if "channel" in bi:  # D-10 (files made before channels have none)
        check(
            ~_isin(bi["channel"], CHANNELS) & bi["channel"].notna(), "bindings: unknown channel", bi
        )
    expired = (bi["end_reason"] == "expired").to_numpy(bool)
    check(
        expired & (bi["ended_at"] != bi["expires_at"]).fillna(True).to_numpy(bool),
        "bindings: expired not at expires_at",
        bi,
    )
    check(
        (bi["ended_at"].isna() & (bi["expires_at"] <= now)).fillna(False),
        "bindings: open but expired",
        bi,
    )
    open_ = bi[bi["ended_at"].isna()]
    check(open_.duplicated("customer_id"), "bindings: more than one open binding", open_)
    hist = bi.sort_values(["customer_id", "since"])
    same = hist["customer_id"].eq(hist["customer_id"].shift())
    prev_end = hist["ended_at"].shift()
    check(
        same & (prev_end.isna() | (prev_end > hist["since"])).fillna(True),
        "bindings: overlapping history",
        hist,
    )
    # an invitee was bound to its inviter when it became a distributor
    b2 = bi.merge(inv, left_on=["customer_id", "distributor_id"], right_on=["id", "inviter_id"])
    b2["became"] = b2["customer_id"].map(became)
    active = (b2["since"] <= b2["became"]) & (
        b2["ended_at"].isna() | (b2["ended_at"] > b2["became"])
    )
    bound_ok = set(b2.loc[active.fillna(False), "customer_id"])
    check(
        ~_isin(inv["id"], sorted(bound_ok)),
        "invitations: invitee not bound to its inviter when it became one",
        inv,
    )

    # products, orders, refunds
    check(
        pr["reward_bp"].notna() & pr["reward_fen"].notna(),
        "products: both reward_bp and reward_fen",
        pr,
    )
    check((pr["reward_bp"] > 5000).fillna(False), "products: reward_bp over 5000", pr)
    check(~(pr["cost_fen"] <= pr["price_fen"]).fillna(True), "products: cost over price", pr)
    for kind, col in (
        ("orders", "paid_fen"),
        ("orders", "split_fen"),
        ("orders", "cost_fen"),
        ("orders", "qty"),
        ("refunds", "amount_fen"),
        ("products", "price_fen"),
    ):
        if not pd.api.types.is_integer_dtype(f[kind][col]):
            problems.append(f"{kind}.{col}: not integer ({f[kind][col].dtype})")
    check(~_isin(od["customer_id"], cu["id"]), "orders: unknown customer", od)
    check(~_isin(od["product_id"], pr["id"]), "orders: unknown product", od)
    check(
        ~(od["paid_at"] > od["customer_id"].map(joined)).fillna(False),
        "orders: paid before the customer joined",
        od,
    )
    check(
        ((od["paid_fen"] < 0) | (od["qty"] < 1) | (od["split_fen"] > od["paid_fen"])).fillna(True),
        "orders: bad amounts",
        od,
    )
    check((od["completed_at"] <= od["paid_at"]).fillna(False), "orders: completed before paid", od)
    by_id = od.sort_values("id", kind="stable")
    again = by_id["id"].eq(by_id["id"].shift())
    differs = by_id["customer_id"].ne(by_id["customer_id"].shift()) | by_id["paid_at"].ne(
        by_id["paid_at"].shift()
    ).fillna(True)
    done, prev_done = by_id["completed_at"], by_id["completed_at"].shift()
    differs |= (done.isna() != prev_done.isna()) | done.ne(prev_done).fillna(False)
    check(again & differs, "orders: lines of one order disagree", by_id)
    check(~_isin(rf["order_id"], od["id"]), "refunds: unknown order", rf)
    lines = od.set_index(["id", "product_id"])
    key = pd.MultiIndex.from_frame(rf[["order_id", "product_id"]])
    check(~key.isin(lines.index), "refunds: no such order line", rf)
    check((rf["amount_fen"] <= 0).fillna(True), "refunds: amount not positive", rf)
    total = rf.groupby(["order_id", "product_id"])["amount_fen"].sum()
    paid = lines[~lines.index.duplicated()]["paid_fen"].reindex(total.index)
    check(
        (total > paid).fillna(False).to_numpy(),
        "refunds: more than the line paid",
        total.reset_index(),
    )
    order_paid_at = od.drop_duplicates("id").set_index("id")["paid_at"]
    check(
        ~(rf["at"] > rf["order_id"].map(order_paid_at)).fillna(False),
        "refunds: not after payment",
        rf,
    )

    # signals and labels
    check(~_isin(si["customer_id"], cu["id"]), "signals: unknown customer", si)
    check(~_isin(si["kind"], SIGNAL_KINDS), "signals: unknown kind", si)
    check(si["value"].isna() | (si["value"] == ""), "signals: empty value", si)
    check(
        (si["first_seen"] > si["last_seen"]).fillna(False),
        "signals: first_seen after last_seen",
        si,
    )
    if "labels" in f:
        lb = f["labels"]
        check(~_isin(lb["customer_id"], cu["id"]), "labels: unknown customer", lb)
        check(~_isin(lb["kind"], LABEL_KINDS), "labels: unknown kind", lb)
        small = lb.groupby("ring_id")["customer_id"].transform("nunique") < 2
        check(small, "labels: ring with fewer than two accounts", lb)
    return problems


def _isin(values: pd.Series, allowed: pd.Series | list[Any] | tuple[Any, ...]) -> np.ndarray:
    """``values.isin(allowed)`` in Arrow (pandas' isin on Arrow strings loops in Python)."""
    allowed_ = pa.array(
        allowed.dropna().unique() if isinstance(allowed, pd.Series) else allowed, pa.string()
    )
    mask = pc.is_in(pa.array(values, pa.string(), from_pandas=True), value_set=allowed_)
    return np.asarray(mask.fill_null(False), bool)


def forest_depths(invitations: pd.DataFrame) -> pd.Series:
    """Depth (1 = a root's invitee) of every invitee, by id."""
    nodes = pd.Index(pd.unique(pd.concat([invitations["id"], invitations["inviter_id"]])))
    parent = np.full(len(nodes), -1, np.int64)
    parent[nodes.get_indexer(invitations["id"])] = nodes.get_indexer(invitations["inviter_id"])
    depth = pd.Series(_depths(parent), index=nodes)
    return depth[depth > 0]


def team_sizes(invitations: pd.DataFrame) -> pd.Series:
    """Team size (R-2.3: every distributor below, at any depth) of each inviter, by id."""
    nodes = pd.Index(pd.unique(pd.concat([invitations["id"], invitations["inviter_id"]])))
    parent = np.full(len(nodes), -1, np.int64)
    parent[nodes.get_indexer(invitations["id"])] = nodes.get_indexer(invitations["inviter_id"])
    depth = _depths(parent)
    size = np.ones(len(nodes))
    for d in range(int(depth.max(initial=0)), 0, -1):
        at = depth == d
        size += np.bincount(parent[at], weights=size[at], minlength=len(nodes))
    return pd.Series(size.astype(np.int64) - 1, index=nodes).sort_values(ascending=False)


def summary(data: Mapping[str, pa.Table | pd.DataFrame]) -> dict[str, Any]:
    """Shape figures: counts, forest depth, biggest teams, refund rate, rings and honest
    look-alike groups by kind."""
    f = {
        k: frame(v) if k in ("invitations", "orders", "refunds", "labels") else v
        for k, v in data.items()
    }
    inv, od = f["invitations"], f["orders"]
    teams = team_sizes(inv)
    n_dist = data["distributors"].shape[0]
    orders = od["id"].nunique()
    labels = f["labels"]
    return {
        "rows": {k: int(v.shape[0]) for k, v in data.items()},
        "max_depth": int(forest_depths(inv).max()) if len(inv) else 0,
        "biggest_teams": [int(x) for x in teams.head(5)],
        "biggest_team_share": float(teams.iloc[0] / n_dist) if len(teams) else 0.0,
        "orders": int(orders),
        "refund_rate": float(f["refunds"]["order_id"].nunique() / orders) if orders else 0.0,
        "rings": _groups(labels[~labels["kind"].isin(HONEST_KINDS)]),
        "lookalikes": _groups(labels[labels["kind"].isin(HONEST_KINDS)]),  # D-12
    }


def _groups(labels: pd.DataFrame) -> dict[str, int]:
    return labels.groupby("kind")["ring_id"].nunique().to_dict() if len(labels) else {}
