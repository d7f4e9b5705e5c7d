"""Choices of 投诉信访 (TextChoices with Chinese labels)."""

from django.db import models


class PetitionKind(models.TextChoices):
    COMPLAINT = "complaint", "投诉"
    PETITION = "petition", "信访"


class Channel(models.TextChoices):
    HOTLINE = "hotline", "12345热线"
    LETTER = "letter", "来信"
    VISIT = "visit", "来访"
    PHONE = "phone", "来电"
    WEB = "web", "网上"
    SUPERIOR = "superior", "上级转办"


class PetitionStatus(models.TextChoices):
    REGISTERED = "registered", "待受理"
    INSTRUCTING = "instructing", "待批示"
    DISPATCHING = "dispatching", "待派发"
    HANDLING = "handling", "办理中"
    CLOSING = "closing", "待结案"
    VISITING = "visiting", "待回访"
    CLOSED = "closed", "已办结"
    NOT_ACCEPTED = "not_accepted", "不予受理"


class Satisfaction(models.TextChoices):
    SATISFIED = "satisfied", "满意"
    BASIC = "basic", "基本满意"
    UNSATISFIED = "unsatisfied", "不满意"
    UNREACHABLE = "unreachable", "无法联系"


SATISFIED_VALUES = (Satisfaction.SATISFIED, Satisfaction.BASIC)


class SupervisionKind(models.TextChoices):
    ACCEPT_OVERDUE = "accept_overdue", "受理超期"
    FINISH_OVERDUE = "finish_overdue", "办结超期"


class SupervisionStatus(models.TextChoices):
    OPEN = "open", "待情况说明"
    REVIEWING = "review", "待督察审核"
    DONE = "done", "已督办"
