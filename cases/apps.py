from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "cases"
    verbose_name = "病案与经验挖掘"
