"""Imports every domain's documents module, so the collection catalog is complete, and every owner
of moderated content, so the moderation queue knows every content kind."""

import models.common.calendar_notices
import models.common.idempotency
import models.common.outbox
import models.common.rate_limits
import models.consultations.comment_moderation
import models.consultations.documents
import models.departments.documents
import models.districts.documents
import models.identity.documents
import models.identity.name_moderation
import models.identity.refresh_tokens
import models.moderation.audit
import models.moderation.flood
import models.moderation.originals
import models.moderation.queue
import models.moderation.reports
import models.moderation.screening_rules
import models.moderation.transparency
import models.notifications.documents
import models.topics.documents  # noqa: F401
