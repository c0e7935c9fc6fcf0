from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ParticipatoryBudgetConfig(AppConfig):
    name = "participatory_budget"
    verbose_name = _("Participatory budget")
