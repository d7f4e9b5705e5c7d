from django.apps import AppConfig


class WorkflowConfig(AppConfig):
    name = "teis.workflow"
    label = "workflow"
    verbose_name = "流程引擎"

    def ready(self) -> None:
        import logging

        # SpiffWorkflow logs every task state change at INFO; keep its warnings only.
        logging.getLogger("spiff").setLevel(logging.WARNING)

        from . import tables  # noqa: F401
