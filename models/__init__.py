"""supportbot's persistence: typed SQLAlchemy 2 models and shared queries.

Importing this package registers every table on ``Base.metadata`` (Alembic's
``target_metadata``).
"""

from models.assignment import AssignmentCursor, AwayAgent
from models.auto_escalations import AutoEscalation
from models.base import Base, UTCDateTime, insert_ignore, str_enum
from models.channel_pace import SlackChannelPace
from models.deliveries import SlackDelivery, record_delivery
from models.incident_actions import IncidentAction
from models.incidents import Incident, IncidentEvent, IncidentEventKind, IncidentStatus
from models.knowledge_base import KbArticle, KbDeflection, KbSearch, KbSource
from models.oncall import OncallEvent, OncallEventKind, OncallHandover, OncallOverride, OncallSnapshot, OverrideKind
from models.outbox import OutboxKind, OutboxMessage, OutboxStatus
from models.outbox_pause import OutboxPause
from models.pages import Page, PageStatus, PageSubjectKind
from models.report_runs import ReportKind, ReportRun
from models.sla import SlaNotification, SlaNotificationKind
from models.stats_rollups import (
    StatsRollupCount,
    StatsRollupDay,
    StatsRollupDuration,
    StatsRollupPending,
    StatsRollupState,
)
from models.statuspage_updates import StatuspageUpdate, StatuspageUpdateKind
from models.tickets import (
    OPEN_STATUSES,
    Ticket,
    TicketCounter,
    TicketEvent,
    TicketEventKind,
    TicketFormerCard,
    TicketStatus,
    TicketWatcher,
    next_ticket_number,
)
from models.user_limits import LimitedAction, UserActionLock

__all__ = [
    "OPEN_STATUSES",
    "AssignmentCursor",
    "AwayAgent",
    "AutoEscalation",
    "Base",
    "Incident",
    "IncidentAction",
    "IncidentEvent",
    "IncidentEventKind",
    "IncidentStatus",
    "KbArticle",
    "LimitedAction",
    "KbDeflection",
    "KbSearch",
    "KbSource",
    "OncallEvent",
    "OncallEventKind",
    "OncallHandover",
    "OncallOverride",
    "OncallSnapshot",
    "OutboxKind",
    "OutboxMessage",
    "OutboxPause",
    "OutboxStatus",
    "OverrideKind",
    "Page",
    "PageStatus",
    "PageSubjectKind",
    "ReportKind",
    "ReportRun",
    "SlaNotification",
    "SlaNotificationKind",
    "SlackChannelPace",
    "SlackDelivery",
    "StatsRollupCount",
    "StatsRollupDay",
    "StatsRollupDuration",
    "StatsRollupPending",
    "StatsRollupState",
    "StatuspageUpdate",
    "StatuspageUpdateKind",
    "Ticket",
    "TicketCounter",
    "TicketEvent",
    "TicketEventKind",
    "TicketFormerCard",
    "TicketStatus",
    "TicketWatcher",
    "UTCDateTime",
    "UserActionLock",
    "insert_ignore",
    "next_ticket_number",
    "record_delivery",
    "str_enum",
]
