from django.apps import AppConfig


class DevIdPConfig(AppConfig):
    name = "devidp"
    label = "devidp"
    verbose_name = "Development identity provider"
