from django.apps import AppConfig


class ServiceConfig(AppConfig):
    name = "qcredit.service"
    label = "service"
    verbose_name = "qcredit service"
    default_auto_field = "django.db.models.BigAutoField"
