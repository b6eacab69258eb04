from django.apps import AppConfig


class MastersConfig(AppConfig):
    name = "masters"
    verbose_name = "传承人"
