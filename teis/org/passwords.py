"""Password rules from the editable security policy (length, character classes, history)."""

from __future__ import annotations

import string

from django.contrib.auth.hashers import check_password
from django.contrib.auth.password_validation import CommonPasswordValidator as DjangoCommonPasswordValidator
from django.core.exceptions import ValidationError


def character_classes(password: str) -> int:
    classes = [
        any(c in string.ascii_uppercase for c in password),
        any(c in string.ascii_lowercase for c in password),
        any(c in string.digits for c in password),
        any(not c.isalnum() for c in password),
    ]
    return sum(classes)


class PolicyPasswordValidator:
    """Django password validator reading `SecurityPolicy`; also refuses the last N passwords."""

    def validate(self, password: str, user=None) -> None:
        from .models import SecurityPolicy

        policy = SecurityPolicy.current()
        errors = []
        if len(password) < policy.min_length:
            errors.append(ValidationError(f"密码长度不得少于 {policy.min_length} 位。", code="password_too_short"))
        if character_classes(password) < policy.min_classes:
            errors.append(
                ValidationError(
                    f"密码须包含大写字母、小写字母、数字、符号中的至少 {policy.min_classes} 类。",
                    code="password_too_simple",
                )
            )
        if user is not None and user.pk and policy.history_count:
            recent = list(user.password_history.order_by("-created_at", "-pk")[: policy.history_count])
            if any(check_password(password, h.password) for h in recent):
                errors.append(
                    ValidationError(f"不得使用最近 {policy.history_count} 次用过的密码。", code="password_reused")
                )
        if errors:
            raise ValidationError(errors)

    def get_help_text(self) -> str:
        return policy_help_text()


def policy_help_text(policy=None) -> str:
    from .models import SecurityPolicy

    policy = policy or SecurityPolicy.current()
    text = f"密码至少 {policy.min_length} 位，须包含大写字母、小写字母、数字、符号中的至少 {policy.min_classes} 类"
    if policy.history_count:
        text += f"，且不得与最近 {policy.history_count} 次用过的密码相同"
    return text + "。"


# Trailing digits and symbols people add to a word to pass the character-class rule ("Password1", "Admin@123").
DECORATION = string.digits + string.punctuation


class CommonPasswordValidator(DjangoCommonPasswordValidator):
    """Refuses the 20,000 most common passwords (the list Django ships), also when only digits or symbols
    were appended to one (`Password1`, `Qwerty@123`)."""

    def validate(self, password: str, user=None) -> None:
        word = password.lower().strip()
        if word in self.passwords or word.rstrip(DECORATION) in self.passwords:
            raise ValidationError("该密码属于常见密码，容易被猜中，请换一个。", code="password_too_common")

    def get_help_text(self) -> str:
        return "不得使用常见密码。"


class UsernamePasswordValidator:
    """Refuses a password that contains the account name (forwards or backwards, any case)."""

    MIN_NAME_LENGTH = 3

    def validate(self, password: str, user=None) -> None:
        username = (getattr(user, "username", "") or "").lower()
        if len(username) < self.MIN_NAME_LENGTH:
            return
        lowered = password.lower()
        if username in lowered or username[::-1] in lowered:
            raise ValidationError("密码不得包含账号名。", code="password_contains_username")

    def get_help_text(self) -> str:
        return "密码不得包含账号名。"
