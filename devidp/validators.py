"""Claims of the personas, as an identity broker would deliver them."""

from oauth2_provider.oauth2_validators import OAuth2Validator

from .personas import persona_for

WRONG_AUDIENCE = "another-relying-party"


class PersonaValidator(OAuth2Validator):
    # Deliver every persona claim whatever the scope (a broker's contract
    # fixes the claims, not OIDC's standard scopes).
    oidc_claim_scope = None

    def get_additional_claims(self, request):
        persona = persona_for(request.user.username)
        if persona is None:
            return {}
        return {**persona.claims(), "sub": persona.sub}

    def get_id_token_dictionary(self, token, token_handler, request):
        claims, expiration_time = super().get_id_token_dictionary(
            token, token_handler, request
        )
        persona = persona_for(request.user.username)
        if persona is not None and persona.wrong_aud:
            claims["aud"] = WRONG_AUDIENCE
        return claims, expiration_time
