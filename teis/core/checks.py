"""Start-up checks of the registry (ARCHITECTURE.md rule 3): what a registered config lets the generic form
and API write. A config that makes a status / approval / decision / audit / computed field writable, or that
puts a model with a lifecycle on the plain generic service, stops `manage.py check` and every start."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from django.core import checks

if TYPE_CHECKING:
    from .registry import ModelConfig


def _writable_configs() -> Iterator[type[ModelConfig]]:
    from .registry import registry

    for config in registry.configs.values():
        if config.ui_read_only and config.api_read_only:
            continue  # written only by services: nothing is generically writable
        yield config


@checks.register()
def check_registry_writes(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    from .registry import has_lifecycle, is_rule_field

    errors: list[checks.CheckMessage] = []
    for config in _writable_configs():
        label = config.model._meta.label
        own_service = config.service is not None
        if has_lifecycle(config.model) and not own_service:
            errors.append(
                checks.Error(
                    f"{label} has a lifecycle (a status or an approval) but is registered on the plain generic "
                    "service.",
                    hint="Give its ModelConfig a `service` that enforces the rules of its states.",
                    obj=config,
                    id="teis.E001",
                )
            )
        writable = set(config.writable_fields(True)) | set(config.writable_fields(False))
        for name in sorted(writable):
            if not is_rule_field(name):
                continue
            if own_service and config.rule_fields_writable.get(name):
                continue
            errors.append(
                checks.Error(
                    f"{label}.{name} is a status / decision / audit / computed field and must not be writable "
                    "through the generic form or API.",
                    hint="Remove it from the config's writable fields and set it in a service action; or, for "
                    "plain data kept by a service of the model's own, name why in `rule_fields_writable`.",
                    obj=config,
                    id="teis.E002",
                )
            )
        for name in config.rule_fields_writable:
            if not own_service:
                errors.append(
                    checks.Error(
                        f"{label}: `rule_fields_writable` names {name!r} but the config has no service of its own.",
                        obj=config,
                        id="teis.E003",
                    )
                )
    return errors
