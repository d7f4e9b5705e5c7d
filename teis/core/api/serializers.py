"""Serializer base: model choices limited to the user's scope, personal data masked."""

from __future__ import annotations

from rest_framework import serializers

from teis.core.fields import EncryptedCharField


class ScopedModelSerializer(serializers.ModelSerializer):
    """Related choices limited to the request user's scope; `masked_fields` of the config applied on output."""

    config = None  # set by `serializer_for`

    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        EncryptedCharField: serializers.CharField,
    }

    def get_fields(self):
        fields = super().get_fields()
        request = self.context.get("request")
        user = getattr(request, "user", None)
        if request is not None and request.method in ("GET", "HEAD", "OPTIONS"):
            return fields  # related choices only matter when validating input
        for f in fields.values():
            target = getattr(f, "child_relation", f)
            qs = getattr(target, "queryset", None)
            if user is not None and qs is not None and hasattr(qs, "for_user"):
                target.queryset = qs.for_user(user)
        return fields

    def to_representation(self, instance):
        data = super().to_representation(instance)
        config = self.config
        request = self.context.get("request")
        if config is not None and config.masked_fields:
            reveal = False  # revealing goes through the audited reveal endpoint, never a plain read
            for name, mask in config.masked_fields.items():
                if name in data and data[name] and not reveal:
                    data[name] = mask(str(data[name]))
        _ = request
        return data


def serializer_for(config) -> type[serializers.ModelSerializer]:
    if config.serializer is not None:
        base = config.serializer
        if getattr(base, "config", None) is None:
            base.config = config
        return base
    exclude = [f.name for f in config.model._meta.concrete_fields if f.name.endswith("_index")]
    exclude += list(config.api_exclude)
    meta_attrs = (
        {"model": config.model, "exclude": exclude} if exclude else {"model": config.model, "fields": "__all__"}
    )
    meta = type("Meta", (), meta_attrs)
    return type(f"{config.model.__name__}Serializer", (ScopedModelSerializer,), {"Meta": meta, "config": config})
