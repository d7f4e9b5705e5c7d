"""Model fields for personal data: SM4-encrypted at rest, with a keyed SM3 blind index for exact look-up."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.db import models

from teis.core import crypto

if TYPE_CHECKING:
    _TextField = models.TextField[str, str]
else:  # Django's field classes take no type parameters at run time (that is django-stubs' typing)
    _TextField = models.TextField


class EncryptedCharField(_TextField):
    """Stores `sm4:v{n}:…` tokens; Python code sees the plaintext.

    `index_field` names a sibling CharField that receives `crypto.blind_index(value)` on save, so that
    `Model.objects.filter(<index_field>=crypto.blind_index(x))` finds a record without decrypting.
    Encryption is randomised: never filter on the encrypted column itself.
    """

    def __init__(self, *args: Any, index_field: str | None = None, max_plain_length: int = 200, **kwargs: Any) -> None:
        self.index_field = index_field
        self.max_plain_length = max_plain_length
        kwargs.setdefault("blank", True)
        kwargs.setdefault("default", "")
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        if self.index_field:
            kwargs["index_field"] = self.index_field
        if self.max_plain_length != 200:
            kwargs["max_plain_length"] = self.max_plain_length
        return name, path, args, kwargs

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> str:
        if not value:
            return ""
        return crypto.sm4_decrypt(value)

    def to_python(self, value: Any) -> Any:
        # Python-side values are always plaintext: from_db_value decrypts on the way in.
        return "" if value is None else value

    def get_prep_value(self, value: Any) -> str:
        if value is None or value == "":
            return ""
        return crypto.sm4_encrypt(str(value))

    def pre_save(self, model_instance: models.Model, add: bool) -> Any:
        value = getattr(model_instance, self.attname)
        if self.index_field:
            setattr(model_instance, self.index_field, crypto.blind_index(value) if value else "")
        return value

    def formfield(
        self, form_class: type[forms.Field] | None = None, choices_form_class: Any = None, **kwargs: Any
    ) -> forms.Field:
        from django import forms

        return forms.CharField(max_length=self.max_plain_length, required=not self.blank, label=self.verbose_name)
