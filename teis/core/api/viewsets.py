"""One API viewset base for every registered model: the same scope, filters and services as the UI."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, cast

from django.db import models
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, routers, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from teis.core.filters import filterset_for
from teis.core.services import generic_service

from .serializers import attach_many_ids, serializer_for

if TYPE_CHECKING:
    from django.db.models import QuerySet
    from rest_framework import serializers

    from teis.core.models import ScopedModel
    from teis.core.registry import ModelConfig


class ManyIdsMixin(viewsets.GenericViewSet[Any]):
    """A page or an object leaves with the ids of its many-to-many relations read in bulk (`attach_many_ids`)."""

    config: type[ModelConfig] = cast("type[ModelConfig]", None)  # set on each class by `viewset_for`

    def paginate_queryset(self, queryset: QuerySet[Any]) -> list[Any] | None:
        page = super().paginate_queryset(queryset)
        attach_many_ids(self.config.model, page or [], self.config.api_exclude)
        return page

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        # only here: an object about to be written must show its new relations, not ids read before
        obj = self.get_object()
        attach_many_ids(self.config.model, [obj], self.config.api_exclude)
        return Response(self.get_serializer(obj).data)


class ScopedViewSet(ManyIdsMixin, viewsets.ModelViewSet[Any]):
    config: type[ModelConfig] = cast("type[ModelConfig]", None)  # set on each class by `viewset_for`

    def get_queryset(self) -> QuerySet[Any]:
        from teis.core.views import apply_sort

        # many-to-many ids are prefetched, so a page costs the same at any size (rule 12)
        qs: QuerySet[Any] = self.config.api_queryset_for(self.request.user)
        if "ordering" not in self.request.query_params:
            qs = apply_sort(self.config, qs, "")
        return qs

    def service(self) -> Any:
        return self.config.service or generic_service

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        self.config.check_state(self.get_object(), "edit")  # refused before validating: nothing written
        return super().update(request, *args, **kwargs)

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        self.config.check_state(self.get_object(), "delete")
        return super().destroy(request, *args, **kwargs)

    def perform_create(self, serializer: serializers.BaseSerializer[Any]) -> None:
        data = _model_data(self.config.model, serializer.validated_data, self.config.service_extra_fields)
        serializer.instance = self.service().do_create(self.request.user, self.config.model, data)

    def perform_update(self, serializer: serializers.BaseSerializer[Any]) -> None:
        data = _model_data(self.config.model, serializer.validated_data)
        serializer.instance = self.service().do_update(self.request.user, serializer.instance, data)

    def perform_destroy(self, instance: models.Model) -> None:
        self.service().do_delete(self.request.user, instance)


class ReadOnlyScopedViewSet(
    ManyIdsMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet[Any]
):
    config: type[ModelConfig] = cast("type[ModelConfig]", None)  # set on each class by `viewset_for`
    get_queryset = ScopedViewSet.get_queryset


def _model_data(model: type[models.Model], data: dict[str, Any], extra: Iterable[str] = ()) -> dict[str, Any]:
    names = {f.name for f in model._meta.get_fields()} | set(extra)
    return {k: v for k, v in data.items() if k in names}


def viewset_for(config: type[ModelConfig]) -> type[viewsets.GenericViewSet[Any]]:
    base: type[viewsets.GenericViewSet[Any]] = ReadOnlyScopedViewSet if config.api_read_only else ScopedViewSet
    ordering = config.sortable or [c for c in config.list_columns if "__" not in c]
    attrs = {
        "config": config,
        "serializer_class": serializer_for(config),
        "filterset_class": filterset_for(config),
        "ordering_fields": [*ordering, "id"],
        "queryset": cast("type[ScopedModel]", config.model).objects.none(),  # registered models are scoped
    }
    from teis.core.actions import viewset_actions

    attrs |= viewset_actions(config)  # the registered actions: POST …/<pk>/<action>/
    name = f"{config.model.__name__}ViewSet"
    cls: type[viewsets.GenericViewSet[Any]] = type(name, (base,), attrs)
    return extend_schema(tags=[config.verbose_name()])(cls)


def api_slug(config: type[ModelConfig]) -> str:
    return f"{config.app_label}/{config.model_name}s"


def register_all(router: routers.DefaultRouter) -> None:
    from teis.core.registry import registry

    for config in registry.configs.values():
        if config.api:
            router.register(
                api_slug(config),
                viewset_for(config),
                basename=config.api_basename or f"{config.app_label}-{config.model_name}",
            )
