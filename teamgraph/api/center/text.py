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
    "withdraw.balance": ("可提现金额", "Withdrawable"),
    "withdraw.requested": ("提现中", "Being withdrawn"),
    "withdraw.rules": ("提现规则", "Withdrawal rules"),
    "withdraw.limits": ("单笔 ¥{min} – ¥{max}", "¥{min} to ¥{max} per withdrawal"),
    "withdraw.frequency": (
        "{per}最多 {count} 次，本期已申请 {used} 次",
        "At most {count} {per}; {used} requested this period",
    ),
    "withdraw.per.day": ("每天", "a day"),
    "withdraw.per.week": ("每周", "a week"),
    "withdraw.per.month": ("每月", "a month"),
    "withdraw.tax": ("代扣个税 {rate}%", "{rate}% tax is withheld"),
    "withdraw.form": ("申请提现", "Request a withdrawal"),
    "withdraw.amount": ("提现金额（元）", "Amount (yuan)"),
    "withdraw.method": ("提现方式", "Method"),
    "withdraw.method.bank": ("银行卡", "Bank card"),
    "withdraw.method.alipay": ("支付宝", "Alipay"),
    "withdraw.method.wechat": ("微信", "WeChat"),
    "withdraw.account": ("收款账号", "Account"),
    "withdraw.holder": ("户名（选填）", "Account holder's name (optional)"),
    "withdraw.submit": ("申请提现", "Request withdrawal"),
    "withdraw.closed": ("商家暂未开通提现。", "The shop offers no withdrawal method yet."),
    "withdraw.done": (
        "提现申请已提交，等待商家审核。",
        "Your request was sent; the shop will review it.",
    ),
    "withdraw.history": ("提现记录", "Withdrawal history"),
    "withdraw.none": ("暂无提现记录", "No withdrawals yet"),
    "withdraw.net": ("扣税后到账 ¥{net}", "¥{net} paid after tax"),
    "withdraw.reason": ("驳回原因：{reason}", "Reason: {reason}"),
    "withdraw.status.requested": ("审核中", "Under review"),
    "withdraw.status.approved": ("已通过，待打款", "Approved, to be paid"),
    "withdraw.status.paid": ("已到账", "Paid"),
    "withdraw.status.rejected": ("已驳回", "Rejected"),
    "withdraw.err.amount_text": (
        "请输入正确的金额，如 100 或 100.50（最多两位小数）。",
        "Enter an amount in yuan, such as 100 or 100.50 (at most two decimals).",
    ),
    "withdraw.err.positive": ("提现金额须大于 0。", "The amount must be above 0."),
    "withdraw.err.min": ("单笔提现不能低于 ¥{min}。", "A withdrawal is at least ¥{min}."),
    "withdraw.err.max": ("单笔提现不能超过 ¥{max}。", "A withdrawal is at most ¥{max}."),
    "withdraw.err.too_many": (
        "{per}最多提现 {count} 次，本期次数已用完。",
        "At most {count} withdrawals {per}: none are left this period.",
    ),
    "withdraw.err.insufficient": (
        "提现金额超出可提现余额。",
        "That is more than your withdrawable balance.",
    ),
    "withdraw.err.method": ("商家未开通该提现方式。", "The shop does not offer this method."),
    "withdraw.err.frozen": (
        "账户已冻结，解冻前不能提现。",
        "Your account is frozen: nothing can be withdrawn until the shop releases it.",
    ),
    "withdraw.err.account": (
        "请填写正确的收款账号：4–64 位字母、数字或 @ . _ + -，以字母或数字开头。",
        "Enter the account: 4 to 64 letters, digits or @ . _ + -, starting with a letter or digit.",
    ),
    "withdraw.err.holder": (
        "请填写正确的户名（银行登记的姓名）。",
        "Enter the account holder's name as the bank knows it.",
    ),
    "withdraw.err.again": (
        "此表单已提交过，请刷新页面后重试。",
        "This form was sent already; reload the page and try again.",
    ),
    "withdraw.err.other": ("暂时无法提现：{message}", "Cannot withdraw now: {message}"),
    "board.period": ("周期", "Period"),
    "board.period.day": ("今日", "Today"),
    "board.period.week": ("本周", "This week"),
    "board.period.month": ("本月", "This month"),
    "board.metric": ("排行依据", "Ranked by"),
    "board.metric.commission": ("佣金", "Commission"),
    "board.metric.sales": ("销售额", "Sales"),
    "board.metric.clients": ("新客户", "New clients"),
    "board.title": ("{period}{metric}排行", "{period}: ranked by {metric}"),
    "board.range": ("{start} 至 {end}", "{start} to {end}"),
    "board.you": ("我", "You"),
    "board.anonymous": ("匿名", "Anonymous"),
    "board.level": ("{level} 级", "Level {level}"),
    "board.me": ("我的排名", "My rank"),
    "board.unranked": ("本期暂未上榜", "You are not on the board this period yet"),
    "board.empty": ("本期暂无排名", "Nobody is on the board for this period yet"),
}  # fmt: skip


def translator(lang: str) -> Callable[..., str]:
    """``t(key, **values)`` in ``lang`` (zh-CN for anything else)."""
    column = 1 if lang == EN else 0

    def t(key: str, **values: object) -> str:
        return TEXT[key][column].format(**values)

    return t
