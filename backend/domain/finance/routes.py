"""Route handlers of the finance area."""

from backend.domain.finance.controllers.api import FinanceController
from backend.domain.finance.controllers.pages import CommissionerPages, CommissionerSessionPages

route_handlers = [FinanceController, CommissionerSessionPages, CommissionerPages]
