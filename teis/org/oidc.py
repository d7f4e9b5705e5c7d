"""OpenID Connect claims for other internal systems signing in through TEIS (spec §2.1.5.2)."""

from oauth2_provider.oauth2_validators import OAuth2Validator


class TeisOAuth2Validator(OAuth2Validator):
    oidc_claim_scope = {**OAuth2Validator.oidc_claim_scope, "unit": "profile", "name": "profile"}

    def get_additional_claims(self, request):
        user = request.user
        officer = getattr(user, "officer", None) if hasattr(user, "officer") else None
        return {
            "preferred_username": user.username,
            "name": officer.name if officer else user.username,
            "unit": officer.unit.name if officer else "",
        }
