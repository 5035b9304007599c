"""Every table of the app, imported so ``SQLModel.metadata`` is complete for migrations, seeding and tests."""

from __future__ import annotations

from sqlmodel import SQLModel

from backend.domain.accounts import models as accounts_models
from backend.domain.alerts import models as alerts_models
from backend.domain.audit import models as audit_models
from backend.domain.finance import models as finance_models
from backend.domain.monitoring import models as monitoring_models
from backend.domain.operations import models as operations_models
from backend.domain.people import models as people_models
from backend.domain.record import models as record_models
from backend.domain.rostering import models as rostering_models
from backend.domain.telehealth import models as telehealth_models
from backend.domain.visits import models as visits_models
from backend.domain.welfare import models as welfare_models
from backend.scheduling import models as scheduling_models
from backend.security import models as security_models

TABLE_MODULES = (
    accounts_models,
    security_models,
    people_models,
    visits_models,
    alerts_models,
    monitoring_models,
    finance_models,
    rostering_models,
    operations_models,
    welfare_models,
    telehealth_models,
    record_models,
    scheduling_models,
    audit_models,
)
metadata = SQLModel.metadata
