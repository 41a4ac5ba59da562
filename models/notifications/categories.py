"""What a notification is about (its category), and how a person wants each category delivered."""

from __future__ import annotations

from enum import StrEnum


class Category(StrEnum):
    REPLY = "reply"  # an official replied to my comment
    OUTCOME = "outcome"  # the adoption report's outcome of my comment
    PETITION = "petition"  # milestones and response of my petition or one I signed
    REQUEST = "request"  # stage changes of my requests
    LIVESTREAM = "livestream"  # a followed livestream starts
    NEW_CONSULTATION = "new_consultation"  # in my district, or a followed topic or department
    MODERATION = "moderation"  # decisions on my content, appeals
    CONSULTATION_UPDATE = "consultation_update"  # a consultation I commented on changed its text
    ACCOUNT = "account"  # my own account, or for admins the service (a lockout, a missing calendar)


class Delivery(StrEnum):
    PUSH = "PUSH"  # push to the person's devices, and the inbox
    INBOX = "INBOX"  # the inbox only
    OFF = "OFF"  # nothing (not allowed for transactional categories)


# About a person's own case: they always land in the inbox (OFF is refused), and they are not
# counted against the daily cap of non-transactional pushes.
TRANSACTIONAL = frozenset(
    {
        Category.REPLY,
        Category.OUTCOME,
        Category.PETITION,
        Category.REQUEST,
        Category.MODERATION,
        Category.CONSULTATION_UPDATE,
        Category.ACCOUNT,
    }
)

DEFAULTS: dict[Category, Delivery] = {category: Delivery.PUSH for category in Category}

DEFAULT_QUIET_HOURS = ("22:00", "08:00")  # local time of the person; non-urgent pushes wait
DEFAULT_DAILY_CAP = 3  # non-transactional pushes per local day; more become one digest
