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
    "team.invalid": ("请求无效，请返回重试。", "This request is not valid; go back and try again."),
    "team.depth_label": ("按层级", "By depth"),
    "team.depth": ("第 {depth} 级", "Level {depth} down"),
    "team.search": ("搜索", "Search"),
    "team.search_hint": ("编号或姓名", "ID or name"),
    "team.search_go": ("搜索", "Search"),
    "team.joined": ("加入 {date}", "Joined {date}"),
    "team.orders": ("{n} 笔订单", "{n} orders"),
    "team.spend": ("消费 ¥{amount}", "Spent ¥{amount}"),
    "team.sales": ("销售 ¥{amount}", "Sales ¥{amount}"),
    "team.size": ("团队 {n} 人", "Team of {n}"),
    "team.empty": ("暂无成员", "No one here yet"),
    "team.none_found": ("没有找到匹配的成员", "No one matches your search"),
    "team.more": ("加载更多", "More"),
    "team.tree": ("团队结构", "Team tree"),
    "team.tree_cut": ("成员较多，仅显示部分", "Large team: only part of it is shown"),
    "team.tree_empty": ("还没有邀请分销员", "You have not invited any distributors yet"),
    "commission.month": ("月份", "Month"),
    "commission.status": ("状态", "Status"),
    "commission.all": ("全部", "All"),
    "commission.filter": ("筛选", "Filter"),
    "commission.status.pending": ("待结算", "Pending"),
    "commission.status.held": ("冻结中", "Held"),
    "commission.status.settled": ("已结算", "Settled"),
    "commission.status.clawback": ("已退款扣回", "Clawed back"),
    "commission.kind.reward": ("推广佣金", "Commission"),
    "commission.kind.clawback": ("退款扣回", "Refund clawback"),
    "commission.kind.bonus": ("阶梯奖励", "Ladder bonus"),
    "commission.kind.adjustment": ("调整", "Adjustment"),
    "commission.tier": ("{tier} 级", "Tier {tier}"),
    "commission.points": ("{amount} 积分", "{amount} points"),
    "commission.order": ("订单 {id}", "Order {id}"),
    "commission.buyer": ("买家 {name}", "Buyer {name}"),
    "commission.settles": ("预计 {date} 结算", "Settles on {date}"),
    "commission.settles_later": ("订单完成后开始计算结算期", "Settles once the order completes"),
    "commission.refund": ("退款单 {id}", "Refund {id}"),
    "commission.returned": ("已扣回 ¥{amount}", "¥{amount} clawed back"),
    "commission.empty": ("暂无佣金记录", "No commission entries"),
    "cond.paid_orders": ("已付款订单", "Paid orders"),
    "cond.received_fen": ("累计佣金(元)", "Commission received (yuan)"),
    "cond.transaction_fen": ("推广销售额(元)", "Sales brought (yuan)"),
    "cond.completed_orders": ("已完成订单", "Completed orders"),
    "cond.bound_customers": ("绑定客户", "Bound customers"),
    "cond.invited_distributors": ("邀请的分销员", "Invited distributors"),
    "logout": ("退出登录", "Sign out"),
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
