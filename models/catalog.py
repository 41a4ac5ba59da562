"""Imports every domain's documents module, so the collection catalog is complete."""

import models.common.outbox  # noqa: F401
import models.departments.documents  # noqa: F401
