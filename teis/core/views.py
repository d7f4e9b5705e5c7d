"""The generic view family (ARCHITECTURE.md rule 3): list, detail, edit, delete, export and reveal, for any
model registered with a `ModelConfig`. An app writes only what differs.

Every view fetches through `config.queryset_for(user)` — the data scope — so an object outside the
user's reach is a 404. A missing permission is a 403 and an audited security event.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, cast

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.core.paginator import Page, Paginator
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.views import View

from .display import can_reveal, column_label, display_value
from .filters import filterset_for
from .forms import add_service_error, cleaned_model_data, guard_text_fields, modelform_for, style_widgets
from .http import HtmxHttpRequest
from .registry import ModelConfig
from .services import ServiceError, generic_service

if TYPE_CHECKING:
    from .actions import Action

PAGE_SIZES = (10, 20, 50, 100)


def paginate(request: HttpRequest, qs: QuerySet[Any], default: int = 20) -> Page[Any]:
    """The page of `qs` asked for (`?page=`), `?per_page=` rows long (one of PAGE_SIZES, else `default`): every
    list page, generic or hand-written, pages the same way, and costs the same number of queries at any size."""
    try:
        per_page = int(request.GET.get("per_page", default))
    except ValueError:
        per_page = default
    per_page = per_page if per_page in PAGE_SIZES else default
    return Paginator(qs, per_page).get_page(request.GET.get("page"))


def deny(request: HttpRequest, permission: str) -> None:
    """Audit a refused permission and raise the 403."""
    from teis.core.choices import AuditAction
    from teis.core.ports import audit

    audit.record(request.user, AuditAction.PERMISSION_DENIED, detail={"permission": permission, "path": request.path})
    raise PermissionDenied(permission)


def require(request: HttpRequest, permission: str) -> None:
    if not request.user.has_perm(permission):
        deny(request, permission)


def apply_sort(config: type[ModelConfig], qs: QuerySet[Any], sort: str) -> QuerySet[Any]:
    allowed = set(config.sortable or [c for c in config.list_columns if "__" not in c]) | {"id"}
    key = sort.lstrip("-")
    if key in allowed:
        return qs.order_by(sort, "pk")
    return qs.order_by(*(config.ordering or config.model._meta.ordering or ["-pk"]), "pk")


class ConfigView(LoginRequiredMixin, View):
    config: type[ModelConfig]

    def service(self) -> Any:
        return self.config.service or generic_service

    def get_object(self, pk: int | None) -> Model:
        obj: Model = get_object_or_404(self.config.queryset_for(self.request.user), pk=pk)
        return obj

    def refuse_state(self, request: HttpRequest, obj: Model | None, operation: str) -> HttpResponse | None:
        """Outside the declared editable / deletable states: the refusal on the detail page, nothing written."""
        if obj is None:
            return None
        message = self.config.state_refusal(obj, operation)
        if message is None:
            return None
        messages.error(request, message)
        return redirect(reverse(self.config.url_name("detail"), args=[obj.pk]))

    def base_context(self, **extra: Any) -> dict[str, Any]:
        c = self.config
        user = self.request.user
        return {
            "config": c,
            "verbose_name": c.verbose_name(),
            "list_url": reverse(c.url_name("list")),
            "can_add": not c.ui_read_only and user.has_perm(c.perm("add")),
            "can_change": not c.ui_read_only and user.has_perm(c.perm("change")),
            "can_delete": not c.ui_read_only and user.has_perm(c.perm("delete")),
            "can_export": not c.export_permission or user.has_perm(c.export_permission),
            **extra,
        }


class ObjectListView(ConfigView):
    template_name = "core/object_list.html"

    def get(self, request: HtmxHttpRequest) -> HttpResponse:
        c = self.config
        require(request, c.perm("view"))
        qs: QuerySet[Any] = c.queryset_for(request.user)
        fs = filterset_for(c)(request.GET or None, queryset=qs, request=request)
        qs = fs.qs if fs.is_bound and fs.is_valid() else qs
        sort = request.GET.get("sort", "")
        qs = apply_sort(c, qs, sort)
        page = paginate(request, qs)
        rows = [(obj, [display_value(obj, col, c, request.user) for col in c.list_columns]) for obj in page.object_list]
        query = request.GET.copy()
        query.pop("page", None)
        ctx = self.base_context(
            filterset=fs,
            page=page,
            rows=rows,
            columns=[(col, column_label(c.model, col)) for col in c.list_columns],
            sort=sort,
            per_page=page.paginator.per_page,
            page_sizes=PAGE_SIZES,
            query=query.urlencode(),
            export_url=reverse(c.url_name("export")) + ("?" + request.GET.urlencode() if request.GET else ""),
        )
        template = "core/_object_table.html" if request.htmx and not request.htmx.boosted else self.template_name
        return render(request, template, ctx)


class ObjectDetailView(ConfigView):
    template_name = "core/object_detail.html"

    def get(self, request: HttpRequest, pk: int, failed: tuple[Action, forms.Form] | None = None) -> HttpResponse:
        c = self.config
        require(request, c.perm("view"))
        obj = self.get_object(pk)
        fields = c.detail_fields or [
            f.name for f in c.model._meta.concrete_fields if f.editable and not f.name.endswith("_index")
        ] + [f.name for f in c.model._meta.many_to_many]
        values = [
            (name, column_label(c.model, name), display_value(obj, name, c, request.user), name in c.masked_fields)
            for name in fields
        ]
        ctx = self.base_context(
            object=obj,
            values=values,
            can_reveal=can_reveal(request.user, c),
            actions=c.detail_actions(obj, request.user),
            object_actions=self.action_forms(obj, failed),
        )
        # no edit / delete button in a state that refuses them
        ctx["can_change"] = ctx["can_change"] and c.state_refusal(obj, "edit") is None
        ctx["can_delete"] = ctx["can_delete"] and c.state_refusal(obj, "delete") is None
        if c.detail_context is not None:
            ctx.update(c.detail_context(obj, request.user))
        template = c.detail_template or self.template_name
        return render(request, template, ctx, status=400 if failed else 200)

    def action_forms(self, obj: Model | None, failed: tuple[Action, forms.Form] | None = None) -> list[Any]:
        """(action, form) for each registered action the user may run on the object in its state."""
        from . import actions

        user = self.request.user
        out = []
        for act in actions.for_model(self.config.model._meta.label_lower):
            if not act.available_to(user, obj):
                continue
            form = failed[1] if failed and failed[0] is act else act.form(prefix=act.name)
            style_widgets(form)
            out.append((act, form))
        return out

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        """Run a registered action from its button / form (`_action`); the same rules as the API action."""
        from . import actions

        c = self.config
        act = actions.get(c.model._meta.label_lower, request.POST.get("_action", ""))
        if act is None:
            raise Http404
        require(request, c.perm("view"))
        obj = self.get_object(pk)  # 404 outside the scope
        require(request, act.permission)  # 403, audited
        data = {k.removeprefix(f"{act.name}-"): v for k, v in request.POST.items()}
        try:
            act.perform(request.user, obj, data)
        except ServiceError as err:
            form = act.form(request.POST, prefix=act.name)
            form.is_valid()
            add_service_error(form, err)
            messages.error(request, err.message)
            return self.get(request, pk, failed=(act, form))
        messages.success(request, f"{act.label}：已完成。")
        return redirect(reverse(c.url_name("detail"), args=[obj.pk]))


class ObjectEditView(ConfigView):
    template_name = "core/object_edit.html"
    # NulByteGuardMiddleware leaves control characters to the form: the message shows next to the field
    validates_text_per_field = True

    def check(self, request: HttpRequest, obj: Model | None) -> None:
        if self.config.ui_read_only:
            raise Http404
        require(request, self.config.perm("change" if obj else "add"))

    def get(self, request: HttpRequest, pk: int | None = None) -> HttpResponse:
        obj = self.get_object(pk) if pk else None
        self.check(request, obj)
        if refused := self.refuse_state(request, obj, "edit"):
            return refused
        form_class = modelform_for(self.config, create=obj is None)
        # a new object may start from the query string (a link from another page: ?case=12&kind=recusal);
        # the values are only a starting point, validated on submit like anything typed
        initial = {k: v for k, v in request.GET.items() if obj is None and k in form_class.base_fields}
        form = form_class(instance=obj, user=request.user, initial=initial)
        return render(request, self.template_name, self.base_context(form=form, object=obj))

    def post(self, request: HttpRequest, pk: int | None = None) -> HttpResponse:
        c = self.config
        obj = self.get_object(pk) if pk else None
        self.check(request, obj)
        if refused := self.refuse_state(request, obj, "edit"):
            return refused
        form = modelform_for(c, create=obj is None)(request.POST, request.FILES, instance=obj, user=request.user)
        guard_text_fields(form.fields.values())  # custom forms too, whatever their base
        if form.is_valid():
            data = cleaned_model_data(form, c.service_extra_fields)
            try:
                if obj is None:
                    obj = self.service().do_create(request.user, c.model, data)
                else:
                    obj = self.service().do_update(request.user, obj, data)
            except ServiceError as err:
                form.add_error(None, err.message)
                for field, errs in err.fields.items():
                    for e in errs:
                        form.add_error(field if field in form.fields else None, e)
            else:
                messages.success(request, f"{c.verbose_name()}“{obj}”已保存。")
                return redirect(reverse(c.url_name("detail"), args=[obj.pk]))
        return render(request, self.template_name, self.base_context(form=form, object=obj), status=400)


class ObjectDeleteView(ConfigView):
    template_name = "core/object_delete.html"

    def check(self, request: HttpRequest) -> None:
        if self.config.ui_read_only:
            raise Http404
        require(request, self.config.perm("delete"))

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        self.check(request)
        obj = self.get_object(pk)
        if refused := self.refuse_state(request, obj, "delete"):
            return refused
        return render(request, self.template_name, self.base_context(object=obj))

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        self.check(request)
        obj = self.get_object(pk)
        if refused := self.refuse_state(request, obj, "delete"):
            return refused
        try:
            self.service().do_delete(request.user, obj)
        except ServiceError as err:
            messages.error(request, err.message)
            return redirect(reverse(self.config.url_name("detail"), args=[pk]))
        messages.success(request, f"{self.config.verbose_name()}“{obj}”已删除。")
        return redirect(reverse(self.config.url_name("list")))


class ObjectExportView(ConfigView):
    """Small exports stream back at once; large ones run as a job with a progress bar."""

    def get(self, request: HttpRequest) -> HttpResponse:
        from teis.core.choices import AuditAction
        from teis.core.ports import audit

        from .exports import export_bytes, filtered_queryset
        from .models import ExportJob

        c = self.config
        require(request, c.perm("view"))
        if c.export_permission:
            require(request, c.export_permission)
        query = request.GET.urlencode()
        total = filtered_queryset(c, request.user, query).count()
        if total > settings.TEIS_EXPORT_SYNC_LIMIT:
            from .tasks import run_export

            job = ExportJob.objects.create(
                user=cast(User, request.user),  # signed in (LoginRequiredMixin)
                model_label=c.model._meta.label_lower,
                query=query,
                total=total,
            )
            audit.record(
                request.user,
                AuditAction.EXPORT,
                detail={"model": job.model_label, "rows": total, "query": query, "job": job.pk},
            )
            run_export(job.pk)
            return redirect("core:export_job", pk=job.pk)
        content, n = export_bytes(c, request.user, query)
        audit.record(
            request.user, AuditAction.EXPORT, detail={"model": c.model._meta.label_lower, "rows": n, "query": query}
        )
        return xlsx_response(content, f"{c.verbose_name()}_{timezone.localtime():%Y%m%d%H%M}.xlsx")


def xlsx_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{urllib.parse.quote(filename)}"
    return response


class RevealView(ConfigView):
    """Return one masked field in clear, for a user with the reveal permission; always audited."""

    def post(self, request: HttpRequest, pk: int, field: str) -> HttpResponse:
        from teis.core.choices import AuditAction
        from teis.core.ports import audit

        c = self.config
        if field not in c.masked_fields:
            raise Http404
        require(request, c.reveal_permission)
        obj = self.get_object(pk)
        audit.record(request.user, AuditAction.REVEAL, obj, detail={"field": field})
        return JsonResponse({"value": display_value(obj, field, c, request.user, reveal=True)})


def urls_for(config: type[ModelConfig]) -> list[Any]:
    """URL patterns of one registered model: the 'one line per model' of rule 3."""
    attrs = {"config": config}
    prefix = config.model_name

    def view(name: str, base: type[ConfigView]) -> Callable[..., HttpResponseBase]:
        cls: type[ConfigView] = type(name, (base,), attrs)
        return cls.as_view()

    patterns = [
        path(f"{prefix}/", view("List", ObjectListView), name=f"{prefix}_list"),
        path(f"{prefix}/export/", view("Export", ObjectExportView), name=f"{prefix}_export"),
        path(f"{prefix}/<int:pk>/", view("Detail", ObjectDetailView), name=f"{prefix}_detail"),
        path(
            f"{prefix}/<int:pk>/reveal/<str:field>/",
            view("Reveal", RevealView),
            name=f"{prefix}_reveal",
        ),
    ]
    if not config.ui_read_only:
        edit = view("Edit", ObjectEditView)
        patterns += [
            path(f"{prefix}/add/", edit, name=f"{prefix}_add"),
            path(f"{prefix}/<int:pk>/edit/", edit, name=f"{prefix}_edit"),
            path(
                f"{prefix}/<int:pk>/delete/",
                view("Delete", ObjectDeleteView),
                name=f"{prefix}_delete",
            ),
        ]
    return patterns


def app_urls(app_label: str) -> list[Any]:
    from .registry import registry

    patterns = []
    for config in registry.for_app(app_label):
        patterns += urls_for(config)
    return patterns
