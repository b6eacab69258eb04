from django.apps import AppConfig


class ChuanchengConfig(AppConfig):
    name = "chuancheng"
    verbose_name = "传承"
