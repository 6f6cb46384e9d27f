"""The UI's two languages: every visible label is ``t(key, lang)``.

Labels live in one dictionary, each key with both languages (a test checks it). ``t`` formats
``{placeholders}`` with its keyword arguments. An unknown language falls back to the default
(zh-CN); an unknown key raises ``KeyError`` so a missing label fails loudly in tests.
"""

from __future__ import annotations

from typing import Any, Final

ZH: Final = "zh-CN"
EN: Final = "en"
LANGS: Final = (ZH, EN)
DEFAULT_LANG: Final = ZH

#: The switch's own labels: each language named in itself.
LANG_NAMES: Final = {ZH: "中文", EN: "English"}

LABELS: Final[dict[str, dict[str, str]]] = {
    # shell
    "app.name": {ZH: "teamgraph 分销", EN: "teamgraph distribution"},
    "nav.overview": {ZH: "概览", EN: "Overview"},
    "nav.login": {ZH: "登录", EN: "Log in"},
    "nav.logout": {ZH: "退出登录", EN: "Log out"},
    "nav.language": {ZH: "语言", EN: "Language"},
    "nav.signed_in": {ZH: "{shop} · {role}", EN: "{shop} · {role}"},
    "role.merchant": {ZH: "商家", EN: "merchant"},
    "role.analyst": {ZH: "风控分析", EN: "analyst"},
    "role.distributor": {ZH: "分销员 {id}", EN: "distributor {id}"},
    # login
    "login.title": {ZH: "登录", EN: "Log in"},
    "login.help": {
        ZH: "粘贴商家、分析员或分销员的密钥（由 teamgraph key create 生成）。",
        EN: "Paste a merchant, analyst or distributor key (made by teamgraph key create).",
    },
    "login.key": {ZH: "密钥", EN: "Key"},
    "login.placeholder": {ZH: "店铺ID.密钥", EN: "shop.secret"},
    "login.submit": {ZH: "登录", EN: "Log in"},
    "login.failed": {ZH: "登录失败", EN: "Login failed"},
    "login.required": {ZH: "请先登录。", EN: "Please log in first."},
    "login.go": {ZH: "去登录", EN: "Go to login"},
    # overview (merchant / analyst)
    "overview.title": {ZH: "概览", EN: "Overview"},
    "overview.shop": {ZH: "店铺", EN: "Shop"},
    "overview.customers": {ZH: "客户", EN: "Customers"},
    "overview.distributors": {ZH: "分销员", EN: "Distributors"},
    "overview.orders": {ZH: "订单", EN: "Orders"},
    "overview.mode": {ZH: "业绩归属", EN: "Attribution"},
    "mode.chain": {ZH: "关系链优先", EN: "Chain first"},
    "mode.sharer": {ZH: "分享人优先", EN: "Sharer first"},
    "mode.pending": {ZH: "待生效：{mode}", EN: "Pending: {mode}"},
    # the program card
    "program.title": {ZH: "分销计划", EN: "Program"},
    "program.binding": {ZH: "绑定期限", EN: "Binding period"},
    "program.binding_forever": {ZH: "永久", EN: "Permanent"},
    "program.days": {ZH: "{n} 天", EN: "{n} days"},
    "program.tiers": {ZH: "分佣层级", EN: "Reward tiers"},
    "program.reward_kind": {ZH: "奖励形式", EN: "Reward kind"},
    "reward.cash": {ZH: "现金", EN: "Cash"},
    "reward.points": {ZH: "积分", EN: "Points"},
    "reward.balance": {ZH: "余额", EN: "Balance"},
    "program.settle": {ZH: "结算周期", EN: "Settles after"},
    "program.levels": {ZH: "等级数", EN: "Levels"},
    # the rewards figure
    "fig.rewards.title": {ZH: "各等级佣金", EN: "Rewards by level"},
    "fig.rewards.order": {ZH: "订单佣金", EN: "Order reward"},
    "fig.rewards.inviter": {ZH: "邀请奖励", EN: "Inviter reward"},
    "fig.rewards.rate": {ZH: "佣金比例", EN: "Rate"},
    "fig.rewards.amount": {ZH: "每单金额（元）", EN: "Per order (yuan)"},
    # my team (distributor)
    "team.title": {ZH: "我的团队", EN: "My team"},
    "team.id": {ZH: "分销员编号", EN: "Distributor id"},
    "team.total": {ZH: "团队分销员", EN: "Team distributors"},
    "team.depth": {ZH: "层级", EN: "Depth"},
    "team.depth_n": {ZH: "第 {n} 层", EN: "Level {n} down"},
    "team.count": {ZH: "分销员人数", EN: "Distributors"},
    "team.empty": {ZH: "还没有邀请到分销员。", EN: "No invited distributors yet."},
    "team.soon": {
        ZH: "团队树、升级进度与收益将在后续版本提供。",
        EN: "Team tree, upgrade progress and earnings come in a later version.",
    },
    "fig.team.title": {ZH: "各层级团队人数", EN: "Team by depth"},
    # errors and 404
    "error.title": {ZH: "出错了", EN: "Something went wrong"},
    "notfound.title": {ZH: "页面不存在", EN: "Page not found"},
    "notfound.back": {ZH: "返回概览", EN: "Back to the overview"},
}


def t(key: str, lang: str | None = DEFAULT_LANG, **values: Any) -> str:
    """The label ``key`` in ``lang`` (default zh-CN), formatted with ``values``."""
    text = LABELS[key][lang if lang in LANGS else DEFAULT_LANG]
    return text.format(**values) if values else text


def number(value: int) -> str:
    """An integer with thousands separators (the same in both languages)."""
    return f"{value:,}"
