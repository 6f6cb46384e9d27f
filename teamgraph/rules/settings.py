"""The program settings of one shop (docs/api.md "Settings") and the rules that govern changing
them.

Validation cites the rule it enforces: R-3.3 (rate cap, refused not clipped), R-4.1 (1–5
levels), R-3.7 (tiers 1–3, a warning at 3), R-3.2 (points and balance are fixed rewards),
R-3.1 (switching the reward kind resets level rewards), R-1.9 (mode changes take effect at
05:00 the next day, at most once every 3 days).

Choices where docs/rules.md is silent (written down here, as docs/rules.md asks):
- S-1 The 3-day spacing of R-1.9 is counted from the time of the previous accepted *request*
  (not its effective time); a second change is refused with ``retry_after`` = that time + 3 days.
- S-2 Asking to go back while a change is pending is itself a change, so S-1 refuses it: a
  pending change always takes effect (it is due within ~29 hours, well inside 3 days).
- S-3 Only ``attribution_mode`` waits for 05:00; every other field takes effect at once (the
  recompute rules of R-1.10/R-1.11 run when the change takes effect).
- S-5 ``binding_days`` applies to bindings made after it changes; R-1.11's recompute runs only
  when ``auto_unbind`` changes. A binding expires only under ``auto_unbind = on_expiry`` with
  ``binding_days`` set; under ``never`` every binding is permanent.
- S-6 (R-2.1) An applicant must meet every application condition the shop sets; with
  ``application.review`` off, a qualifying application is approved at once.
- S-4 Levels are numbered 1..n without gaps; rewards are rates (``*_bp``) when
  ``reward_basis`` is ``rate`` and amounts (``*_fen``) when ``fixed``.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, Self
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from teamgraph.errors import Conflict, ValidationError
from teamgraph.rules.timeutil import MS_PER_DAY, next_local_time

MAX_RATE_BP = 5000
MODE_CHANGE_HOUR = 5
MODE_CHANGE_SPACING_MS = 3 * MS_PER_DAY

Fen = Annotated[int, Field(ge=0, strict=True)]
Rate = Annotated[int, Field(ge=0, strict=True)]


class Conditions(BaseModel):
    """Upgrade conditions of a level (R-4.2); meeting any chosen one is enough."""

    model_config = ConfigDict(extra="forbid")

    bound_customers: int | None = Field(default=None, ge=0)
    invited_distributors: int | None = Field(default=None, ge=0)
    paid_orders: int | None = Field(default=None, ge=0)
    received_fen: Fen | None = None
    transaction_fen: Fen | None = None
    completed_orders: int | None = Field(default=None, ge=0)

    def chosen(self) -> dict[str, int]:
        return {k: v for k, v in self.model_dump().items() if v is not None}


class Level(BaseModel):
    model_config = ConfigDict(extra="forbid")

    level: int = Field(ge=1)
    name: str = Field(min_length=1, max_length=40)
    conditions: Conditions = Field(default_factory=Conditions)
    reward_bp: Rate | None = None
    reward_fen: Fen | None = None
    inviter_reward_bp: Rate | None = None
    inviter_reward_fen: Fen | None = None
    first_order_reward_bp: Rate | None = None


Method = Literal["bank", "alipay", "wechat"]


def _bank_only() -> list[Method]:
    return ["bank"]


class Withdrawal(BaseModel):
    model_config = ConfigDict(extra="forbid")

    methods: list[Method] = Field(default_factory=_bank_only)
    min_fen: Fen = 100
    max_fen: Fen = 5_000_000
    max_count: int = Field(default=3, ge=1)
    per: Literal["day", "week", "month"] = "month"


class Application(BaseModel):
    """R-2.1: what an applicant must meet (every condition set here), and whether a merchant
    reviews applications (``review``) or they are approved at once."""

    model_config = ConfigDict(extra="forbid")

    review: bool = False
    verified_phone: bool = False
    min_spend_fen: Fen | None = None
    min_paid_orders: int | None = Field(default=None, ge=0)
    groups: list[str] = Field(default_factory=list)


class LadderStep(BaseModel):
    """R-3.13: a monthly bonus once settled sales in a calendar month reach ``threshold_fen``."""

    model_config = ConfigDict(extra="forbid")

    threshold_fen: Fen
    bonus_fen: Fen


class TeamReward(BaseModel):
    """TR-1 (docs/choices.md TR-1): once a distributor's team's settled sales in a
    calendar month reach ``threshold_fen``, it earns ``amount`` (points, or fen when ``kind`` is
    ``cash``) once for that month. A cash reward is at most half the threshold (the R-3.3
    cap) and counts only the team within the tiers the shop pays (R-3.7); see TR-2."""

    model_config = ConfigDict(extra="forbid")

    threshold_fen: int = Field(ge=1, strict=True)
    kind: Literal["points", "cash"] = "points"
    amount: int = Field(ge=1, le=100_000_000, strict=True)


class BadgeRule(BaseModel):
    """One badge (docs/choices.md BG-1, BG-2): shown when ``enabled`` and its ``threshold`` is
    met (sales, clients, the level, or a rank at most)."""

    model_config = ConfigDict(extra="forbid")

    enabled: bool = True
    threshold: int = Field(ge=1, le=1_000_000, strict=True)


class Badges(BaseModel):
    """BG-1: the badges a distributor's views show, derived from its data when read: a first
    sale (attributed paid orders), clients (direct clients), a level reached, and a place in
    the month's sales top (shop time zone)."""

    model_config = ConfigDict(extra="forbid")

    first_sale: BadgeRule = Field(default_factory=lambda: BadgeRule(threshold=1))
    clients: BadgeRule = Field(default_factory=lambda: BadgeRule(threshold=10))
    level: BadgeRule = Field(default_factory=lambda: BadgeRule(threshold=2))
    month_top: BadgeRule = Field(default_factory=lambda: BadgeRule(threshold=10))


class PendingMode(BaseModel):
    attribution_mode: Literal["chain", "sharer"]
    effective_at: int
    requested_at: int


class ProgramSettings(BaseModel):
    """One shop's program. Defaults are a conservative two-tier cash program."""

    model_config = ConfigDict(extra="forbid", validate_assignment=False)

    attribution_mode: Literal["chain", "sharer"] = "chain"
    binding_days: int | None = Field(default=None, ge=1, le=3650)
    auto_unbind: Literal["never", "on_expiry"] = "never"
    sharer_window_hours: int = Field(default=24, ge=1, le=24 * 30)
    new_customers_only: bool = False
    tiers: int = 2
    reward_kind: Literal["cash", "points", "balance"] = "cash"
    reward_basis: Literal["rate", "fixed"] = "rate"
    cost_protection: bool = False
    settle_days: int = Field(default=7, ge=0, le=365)
    timezone: str = "Asia/Shanghai"
    levels: list[Level] = Field(
        default_factory=lambda: [Level(level=1, name="L1", reward_bp=1000, inviter_reward_bp=300)]
    )
    withdrawal: Withdrawal = Field(default_factory=Withdrawal)
    application: Application = Field(default_factory=Application)
    dormant_days: int = Field(default=30, ge=1, le=3650)
    ladder: list[LadderStep] = Field(default_factory=list)
    tax_bp: Rate = Field(default=0, le=10_000)
    share_base_url: str = Field(default="https://shop.example.com", min_length=8, max_length=200)
    # F-6 (teamgraph.fraud): a scan freezes every open ring scoring at least this; None: never.
    ring_auto_hold_score: int | None = Field(default=None, ge=1, le=100)
    # PD-4 (teamgraph.shop.personal_data): identity signal values whose every sighting is
    # older than this many days are replaced by their keyed pseudonym at the catch-up; None:
    # kept while the customer is.
    signal_retention_days: int | None = Field(default=None, ge=1, le=3650)
    # points (never cash or balance) to the inviter when an invitee is approved; 0: none.
    invitation_points: int = Field(default=0, ge=0, le=1_000_000, strict=True)
    # TR-1/TR-2: the monthly team reward; None: none.
    team_reward: TeamReward | None = None
    # BG-1: the badges shown in the distributor views.
    badges: Badges = Field(default_factory=Badges)
    # Bookkeeping of, kept with the settings (read-only through the API).
    pending: PendingMode | None = None
    last_mode_change_at: int | None = None

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}") from None
        return value

    @model_validator(mode="after")
    def _rules(self) -> Self:
        check(self)
        return self

    def effective(self, now: int) -> ProgramSettings:
        """The settings in force at ``now``: a pending mode whose time has come applies (R-1.9),
        whether or not any job has run."""
        if self.pending is None or now < self.pending.effective_at:
            return self
        return self.model_copy(
            update={"attribution_mode": self.pending.attribution_mode, "pending": None}
        )

    def public(self, now: int) -> dict[str, Any]:
        eff = self.effective(now)
        out = eff.model_dump(exclude={"pending", "last_mode_change_at"})
        out["pending"] = (
            None
            if eff.pending is None
            else {
                "attribution_mode": eff.pending.attribution_mode,
                "effective_at": eff.pending.effective_at,
            }
        )
        return out


def _invalid(
    code: str, rule: str | None, message: str, field: str, **params: Any
) -> ValidationError:
    """A broken rule; ``params`` (with ``variant`` where one code has several messages) let a UI
    say it in its language (teamgraph.dashboards.messages)."""
    return ValidationError(code, message, rule=rule, field=field, params=params)


def check(s: ProgramSettings) -> None:
    """Cross-field rules; raises :class:`ValidationError` naming the rule."""
    if not 1 <= s.tiers <= 3:
        raise _invalid(
            "settings.tiers",
            "R-3.7",
            f"tiers must be 1, 2 or 3 (got {s.tiers})",
            "tiers",
            tiers=s.tiers,
        )
    if not 1 <= len(s.levels) <= 5:
        raise _invalid(
            "settings.levels",
            "R-4.1",
            f"a program has 1 to 5 levels (got {len(s.levels)})",
            "levels",
            variant="count",
            count=len(s.levels),
        )
    numbers = [lv.level for lv in s.levels]
    if numbers != list(range(1, len(s.levels) + 1)):
        raise _invalid(
            "settings.levels",
            "R-4.1",
            f"levels must be numbered 1..{len(s.levels)} in order (got {numbers})",
            "levels",
            variant="numbering",
            count=len(s.levels),
        )
    if s.reward_kind in ("points", "balance") and s.reward_basis != "fixed":
        raise _invalid(
            "settings.reward_basis",
            "R-3.2",
            f"{s.reward_kind} rewards are always fixed amounts",
            "reward_basis",
            variant="kind",
            kind=s.reward_kind,
        )
    for i, lv in enumerate(s.levels):
        if len(s.levels) > 1 and i > 0 and not lv.conditions.chosen():
            raise _invalid(
                "settings.conditions",
                "R-4.2",
                f"level {lv.level} needs at least one upgrade condition",
                f"levels[{i}].conditions",
                level=lv.level,
            )
        for name in ("reward_bp", "inviter_reward_bp", "first_order_reward_bp"):
            rate = getattr(lv, name)
            if rate is not None and rate > MAX_RATE_BP:
                raise _invalid(
                    "settings.rate_cap",
                    "R-3.3",
                    f"a reward rate is at most {MAX_RATE_BP} bp (50%); "
                    f"levels[{i}].{name} is {rate} bp and is refused, not clipped",
                    f"levels[{i}].{name}",
                    variant="level",
                    level=lv.level,
                    rate_bp=rate,
                )
        if s.reward_basis == "rate" and (
            lv.reward_fen is not None or lv.inviter_reward_fen is not None
        ):
            raise _invalid(
                "settings.reward_basis",
                "R-3.2",
                "reward_basis is rate: give reward_bp / inviter_reward_bp",
                f"levels[{i}]",
                variant="rate",
                level=lv.level,
            )
        if s.reward_basis == "fixed" and (
            lv.reward_bp is not None or lv.inviter_reward_bp is not None
        ):
            raise _invalid(
                "settings.reward_basis",
                "R-3.2",
                "reward_basis is fixed: give reward_fen / inviter_reward_fen",
                f"levels[{i}]",
                variant="fixed",
                level=lv.level,
            )
    if s.reward_basis == "rate":  # R-3.3 / C-6: every tier of one order together
        top = max(max(lv.reward_bp or 0, lv.first_order_reward_bp or 0) for lv in s.levels)
        inviter = max(lv.inviter_reward_bp or 0 for lv in s.levels)
        worst = top + (s.tiers - 1) * inviter
        if worst > MAX_RATE_BP:
            raise _invalid(
                "settings.rate_cap",
                "R-3.3",
                f"an order could pay {worst} bp in all (tier 1 {top} bp + {s.tiers - 1} × "
                f"{inviter} bp inviter rate): at most {MAX_RATE_BP} bp (50%), refused, not clipped",
                "levels",
                variant="total",
                worst_bp=worst,
                top_bp=top,
                inviters=s.tiers - 1,
                inviter_bp=inviter,
            )
    thresholds = [step.threshold_fen for step in s.ladder]
    if thresholds != sorted(set(thresholds)):
        raise _invalid(
            "settings.ladder", "R-3.13", "ladder thresholds must rise strictly", "ladder"
        )
    team = s.team_reward
    if team is not None and team.kind == "cash":
        if s.tiers < 2:
            raise _invalid(
                "settings.team_reward",
                "R-3.7",
                "a cash team reward pays on the team's sales, which a one-tier program pays "
                "nobody for: give it in points, or use two tiers",
                "team_reward.kind",
                variant="one_tier",
            )
        if team.amount * 10_000 > team.threshold_fen * MAX_RATE_BP:
            raise _invalid(
                "settings.team_reward",
                "R-3.3",
                f"a cash team reward is at most {MAX_RATE_BP // 100}% of its threshold "
                f"({team.threshold_fen * MAX_RATE_BP // 10_000} fen); {team.amount} is refused, "
                "not clipped",
                "team_reward.amount",
                variant="cap",
                cap_fen=team.threshold_fen * MAX_RATE_BP // 10_000,
                amount_fen=team.amount,
            )
    if s.withdrawal.min_fen > s.withdrawal.max_fen:
        raise _invalid(
            "settings.withdrawal",
            "R-5.1",
            "withdrawal.min_fen is above withdrawal.max_fen",
            "withdrawal.min_fen",
            min_fen=s.withdrawal.min_fen,
            max_fen=s.withdrawal.max_fen,
        )


def warnings(s: ProgramSettings) -> list[dict[str, str]]:
    out = []
    if s.tiers == 3:
        out.append(
            {
                "code": "settings.three_tiers",
                "rule": "R-3.7",
                "message": "Three tiers of pay is what China's rules against pyramid selling and "
                "WeChat's ban on multi-level distribution target; two tiers is the safe choice.",
            }
        )
    return out


def product_reset(
    before: ProgramSettings, after: ProgramSettings
) -> tuple[int | None, int | None] | None:
    """R-3.1: what a product's own reward becomes, ``(reward_bp, reward_fen)``, when a change
    from ``before`` to ``after`` switches the reward kind: 0 in the new basis (points and balance
    are always fixed, R-3.2). None: the kind is unchanged and products keep their rewards. Only a
    product that has its own reward is reset; one without keeps following its level."""
    if after.reward_kind == before.reward_kind:
        return None
    fixed = after.reward_kind in ("points", "balance") or after.reward_basis == "fixed"
    return (None, 0) if fixed else (0, None)


def _reset_rewards(levels: list[Level], basis: str) -> list[Level]:
    """R-3.1: switching the reward kind resets every level default to 0."""
    zero: dict[str, Any] = (
        {
            "reward_bp": 0,
            "inviter_reward_bp": 0,
            "first_order_reward_bp": None,
            "reward_fen": None,
            "inviter_reward_fen": None,
        }
        if basis == "rate"
        else {
            "reward_fen": 0,
            "inviter_reward_fen": 0,
            "first_order_reward_bp": None,
            "reward_bp": None,
            "inviter_reward_bp": None,
        }
    )
    return [lv.model_copy(update=zero) for lv in levels]


def change(current: ProgramSettings, patch: dict[str, Any], now: int) -> ProgramSettings:
    """Apply a ``PUT /v1/settings`` body to the settings stored, as of ``now``.

    Raises :class:`ValidationError` (a rule is broken) or :class:`Conflict`
    ``settings.too_soon`` (R-1.9), and never changes anything on error.
    """
    base = current.effective(now)
    unknown = set(patch) - (set(ProgramSettings.model_fields) - {"pending", "last_mode_change_at"})
    if unknown:
        name = sorted(unknown)[0]
        raise ValidationError(
            "settings.unknown_field",
            f"unknown settings field {name!r}",
            field=name,
            params={"name": name},
        )
    data = base.model_dump()
    data.update({k: v for k, v in patch.items() if k != "attribution_mode"})
    if (
        "reward_kind" in patch
        and patch["reward_kind"] != base.reward_kind
        and "levels" not in patch
    ):
        basis = data.get("reward_basis", base.reward_basis)
        if data["reward_kind"] in ("points", "balance") and "reward_basis" not in patch:
            basis = data["reward_basis"] = "fixed"
        data["levels"] = [lv.model_dump() for lv in _reset_rewards(base.levels, basis)]
    requested = base.pending.attribution_mode if base.pending else base.attribution_mode
    mode = patch.get("attribution_mode", requested)
    if mode not in ("chain", "sharer"):
        raise ValidationError(
            "settings.attribution_mode",
            "attribution_mode is chain or sharer",
            rule="R-1.1",
            field="attribution_mode",
        )
    wants_change = mode != requested
    if wants_change:
        last = base.last_mode_change_at
        if last is not None and now < last + MODE_CHANGE_SPACING_MS:
            raise Conflict(
                "settings.too_soon",
                "the attribution mode can change at most once every 3 days",
                rule="R-1.9",
                field="attribution_mode",
                extra={"retry_after": last + MODE_CHANGE_SPACING_MS},
                params={"retry_after": last + MODE_CHANGE_SPACING_MS},
            )
        tz = data.get("timezone", base.timezone)
        data["pending"] = (
            None
            if mode == base.attribution_mode
            else {
                "attribution_mode": mode,
                "effective_at": next_local_time(now, tz, MODE_CHANGE_HOUR),
                "requested_at": now,
            }
        )
        data["last_mode_change_at"] = now
    return parse(data)


def parse(data: dict[str, Any]) -> ProgramSettings:
    """Build settings from a dict, turning pydantic's errors into our error with the field."""
    from pydantic import ValidationError as PydanticError

    try:
        return ProgramSettings.model_validate(data)
    except PydanticError as exc:
        err = exc.errors()[0]
        cause = err.get("ctx", {}).get("error")
        if isinstance(cause, ValidationError):
            raise cause from None
        field = ".".join(str(p) for p in err["loc"])
        raise ValidationError(
            "settings.invalid",
            f"{field}: {err['msg']}",
            field=field,
            params={"detail": err["msg"]},
        ) from None
