"""The distributor center's words in its two languages: ``t(key, **values)`` of
:func:`translator`. One table, so a test can check that both languages say everything."""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

ZH: Final = "zh-CN"
EN: Final = "en"
LANGS: Final = (ZH, EN)

_AGAIN: Final = "Please open the distributor center from the mall again."

TEXT: Final[dict[str, tuple[str, str]]] = {
    # key: (zh-CN, en)
    "title": ("分销中心", "Distributor center"),
    "nav.home": ("首页", "Home"),
    "nav.team": ("团队", "Team"),
    "nav.commission": ("佣金", "Commission"),
    "nav.promote": ("推广", "Promote"),
    "nav.withdraw": ("提现", "Withdraw"),
    "nav.leaderboard": ("排行", "Ranking"),
    "level": ("等级 {level}", "Level {level}"),
    "today": ("今日佣金", "Today's commission"),
    "month": ("本月佣金", "This month's commission"),
    "pending": ("待结算", "Pending"),
    "settled": ("已结算", "Settled"),
    "withdrawable": ("可提现", "Withdrawable"),
    "held": ("冻结中", "Held"),
    "withdrawn": ("已提现", "Withdrawn"),
    "progress": ("升级进度", "Progress to the next level"),
    "progress.to": ("距 {level} 级", "Toward level {level}"),
    "progress.top": ("已是最高等级", "You are at the top level"),
    "rank": ("本月排名", "This month's rank"),
    "rank.value": ("第 {rank} 名", "No. {rank}"),
    "rank.none": ("本月暂无排名", "Not ranked this month yet"),
    "team": ("我的团队", "My team"),
    "team.direct": ("直属客户", "Direct clients"),
    "team.indirect": ("间接客户", "Indirect clients"),
    "team.invitees": ("邀请的分销员", "Invited distributors"),
    "cond.paid_orders": ("已付款订单", "Paid orders"),
    "cond.received_fen": ("累计佣金(元)", "Commission received (yuan)"),
    "cond.transaction_fen": ("推广销售额(元)", "Sales brought (yuan)"),
    "cond.completed_orders": ("已完成订单", "Completed orders"),
    "cond.bound_customers": ("绑定客户", "Bound customers"),
    "cond.invited_distributors": ("邀请的分销员", "Invited distributors"),
    "logout": ("退出登录", "Sign out"),
    "promote.link": ("推广链接", "Your share link"),
    "promote.copy": ("长按复制链接", "Press and hold to copy the link"),
    "promote.code": ("推广码", "Share code"),
    "promote.channel": ("分享渠道", "Where you share it"),
    "promote.any": ("不限", "Anywhere"),
    "promote.ch.wechat": ("微信好友", "WeChat chats"),
    "promote.ch.moments": ("朋友圈", "Moments"),
    "promote.ch.qq": ("QQ", "QQ"),
    "promote.ch.poster": ("海报", "Poster"),
    "promote.qr": ("推广二维码", "QR code"),
    "promote.poster": ("保存推广海报", "Save the share poster"),
    "promote.scan": ("长按识别二维码", "Scan the QR code"),
    "switch": ("English", "中文"),
    "signed_out": ("请从商城重新打开分销中心。", _AGAIN),
    "refused.unknown": (
        "链接无效。请从商城重新打开分销中心。",
        "This link is not valid. " + _AGAIN,
    ),
    "refused.used": (
        "链接已使用过。请从商城重新打开分销中心。",
        "This link was used already. " + _AGAIN,
    ),
    "refused.expired": (
        "链接已过期。请从商城重新打开分销中心。",
        "This link has expired. " + _AGAIN,
    ),
    "refused.form": (
        "请求已过期，请刷新页面后重试。",
        "This form has expired; reload and try again.",
    ),
    "unavailable": (
        "服务暂时不可用，请稍后再试。",
        "The service is unavailable; try again shortly.",
    ),
}  # fmt: skip


def translator(lang: str) -> Callable[..., str]:
    """``t(key, **values)`` in ``lang`` (zh-CN for anything else)."""
    column = 1 if lang == EN else 0

    def t(key: str, **values: object) -> str:
        return TEXT[key][column].format(**values)

    return t
