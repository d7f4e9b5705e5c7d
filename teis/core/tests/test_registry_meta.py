"""Meta-tests of the registry (ARCHITECTURE.md rules 3 and 13): every registered model has a four-user test
class, every registered action a generated action test, the API writes nothing the form cannot, and the start-up
check refuses a config that makes a rule field writable."""

from __future__ import annotations

import importlib
import pkgutil

import pytest

import teis
from teis.core.testing_mixins import GenericActionTests, GenericModelTests

# Registered models still without a four-user test class, each with the area that owes it. The list only
# shrinks: a model added to the registry without a test fails, and so does an entry here once it is tested.
KNOWN_GAPS: dict[str, str] = {}


def _subclasses(base) -> set[type]:
    found, todo = set(), [base]
    while todo:
        for sub in todo.pop().__subclasses__():
            if sub not in found:
                found.add(sub)
                todo.append(sub)
    return found


@pytest.fixture(scope="module")
def test_classes():
    """Import every app's generic and action test modules, so their classes are known."""
    for app in pkgutil.iter_modules(teis.__path__):
        try:
            tests = importlib.import_module(f"teis.{app.name}.tests")
        except ImportError:
            continue
        for mod in pkgutil.iter_modules(tests.__path__):
            if mod.name.startswith(("test_generic", "test_actions")):
                importlib.import_module(f"teis.{app.name}.tests.{mod.name}")
    return _subclasses(GenericModelTests), _subclasses(GenericActionTests)


def test_every_registered_model_has_a_four_user_test(test_classes):
    from teis.core.registry import registry

    tested = {c.model_label for c in test_classes[0] if c.model_label}
    missing = sorted(set(registry.configs) - tested - set(KNOWN_GAPS))
    assert missing == [], f"registered models without a GenericModelTests subclass: {missing}"
    stale = sorted(set(KNOWN_GAPS) & tested)
    assert stale == [], f"tested now, remove from KNOWN_GAPS: {stale}"


def test_every_registered_action_has_a_generated_test(test_classes):
    from teis.core import actions

    tested = {(c.model_label, c.action) for c in test_classes[1] if c.model_label}
    declared = {(a.model_label, a.name) for a in actions.all_actions()}
    assert sorted(declared - tested) == [], "registered actions without a GenericActionTests subclass"


def test_the_api_writes_nothing_the_form_cannot():
    """For each writable config: the serializer's writable fields ⊆ the form's fields (create and edit)."""
    from teis.core.api.serializers import serializer_for
    from teis.core.forms import modelform_for
    from teis.core.registry import registry

    leaks = []
    for label, config in registry.configs.items():
        if config.api_read_only or not config.api:
            continue
        serializer_class = serializer_for(config)
        for create in (True, False):
            form_fields = set(modelform_for(config, create=create).base_fields) | set(config.service_extra_fields)
            serializer = serializer_class() if create else serializer_class(instance=config.model())
            writable = {n for n, f in serializer.get_fields().items() if not f.read_only}
            for name in sorted(writable - form_fields):
                leaks.append(f"{label}.{name} ({'create' if create else 'edit'})")
    assert leaks == []


def test_the_start_up_check_passes_and_refuses_rule_fields():
    from teis.core.checks import check_registry_writes
    from teis.core.registry import ModelConfig, has_lifecycle, registry

    assert check_registry_writes() == []
    # any registered model with a lifecycle, put on the plain generic service with its status writable
    label, config = next((k, c) for k, c in registry.configs.items() if has_lifecycle(c.model) and c.service)
    fields = [n for n in config.writable_fields(True) if n != "status"] + ["status"]
    bad = type("BadConfig", (ModelConfig,), {"model": config.model, "form_fields": fields})
    bad.app_label, bad.model_name = config.app_label, config.model_name
    registry.configs[label] = bad
    try:
        messages = [e.msg for e in check_registry_writes()]
    finally:
        registry.configs[label] = config
    name = config.model._meta.label
    assert any(f"{name} has a lifecycle" in m for m in messages), messages
    assert any(f"{name}.status is a status" in m for m in messages), messages
