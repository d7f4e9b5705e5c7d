from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    name = "teis.documents"
    label = "documents"
    verbose_name = "执法文书"

    def ready(self) -> None:
        from . import tables, tasks  # noqa: F401
        from .services import hooks

        hooks.register()  # the cases' document requirements read issued documents
        from django.db.models.signals import post_migrate

        post_migrate.connect(_ensure_catalogue, sender=self)


def _ensure_catalogue(**kwargs) -> None:
    """The 46 formats exist in every database (new types only; edited templates are never overwritten)."""
    from .services.catalogue import ensure_catalogue

    ensure_catalogue()
