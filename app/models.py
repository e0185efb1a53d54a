"""Part of the composition root: imports every module that defines tables, so that the metadata (and
Alembic) sees them all whichever blueprints are registered. Features import their models from the
package that owns them, never from here; this module only lists those modules."""

import app.authoring.models
import app.calibration.models
import app.coaching.models
import app.content.models
import app.core.audit
import app.learning.models
import app.notify.models
import app.people.models
import app.rollups.course_status
import app.rollups.effect
import app.rollups.tables
import app.shopping.models  # noqa: F401
