from django.apps import AppConfig


class MirrorConfig(AppConfig):
    """No models: an app for its export_site command."""

    name = "tuidang.mirror"
