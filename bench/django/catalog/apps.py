from django.apps import AppConfig


class CatalogConfig(AppConfig):
    """A fourth app for bench/django.sh: a product catalog."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "catalog"
