"""Every collection Townhall uses, and their indexes.

Imports every module that declares a collection (tests/architecture/test_catalog.py checks none is
missing), so the collection catalog is complete, and every owner of moderated content, so the
moderation queue knows every content kind. `ensure_indexes` creates the declared indexes; the
catalog owns it so that models/common/db.py imports no domain.
"""

from __future__ import annotations

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
import models.moderation.documents
import models.notifications.documents
import models.topics.documents  # noqa: F401
from models.common.db import Database, catalog


async def ensure_indexes(db: Database) -> None:
    """Create every declared index; safe to run at every start and from several processes."""
    for spec in catalog:
        if spec.indexes:
            await spec.of(db).create_indexes(list(spec.indexes))
