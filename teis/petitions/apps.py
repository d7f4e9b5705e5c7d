from django.apps import AppConfig


class PetitionsConfig(AppConfig):
    name = "teis.petitions"
    label = "petitions"
    verbose_name = "投诉信访"

    def ready(self) -> None:
        from . import tables  # noqa: F401
        from .services.flow import register_listeners
        from .steps import register as register_step_forms

        register_listeners()
        register_step_forms()
