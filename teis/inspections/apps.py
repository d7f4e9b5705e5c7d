from django.apps import AppConfig


class InspectionsConfig(AppConfig):
    name = "teis.inspections"
    label = "inspections"
    verbose_name = "双随机一公开"

    def ready(self) -> None:
        from . import tables, tasks  # noqa: F401
        from .services import duty

        duty.register()  # inspection tasks as a duty task source of dispatch's daily plans
