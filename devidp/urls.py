"""URLs of the development provider: its pages and the OpenID Connect endpoints.

The endpoints sit at the root so the issuer is the bare origin
(e.g. http://127.0.0.1:8001) and discovery is at the issuer's well-known URL.
"""

from django.urls import include, path, re_path
from oauth2_provider import views as oauth_views

from . import views

oidc_patterns = (
    [
        path("authorize/", views.PersonaAuthorizationView.as_view(), name="authorize"),
        path("token/", oauth_views.TokenView.as_view(), name="token"),
        path("userinfo/", oauth_views.UserInfoView.as_view(), name="user-info"),
        path(
            "logout/", oauth_views.RPInitiatedLogoutView.as_view(),
            name="rp-initiated-logout",
        ),
        path("revoke_token/", oauth_views.RevokeTokenView.as_view(), name="revoke-token"),
        path(".well-known/jwks.json", oauth_views.JwksInfoView.as_view(), name="jwks-info"),
        re_path(
            r"^\.well-known/openid-configuration/?$",
            oauth_views.ConnectDiscoveryInfoView.as_view(),
            name="oidc-connect-discovery-info",
        ),
    ],
    "oauth2_provider",
)

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.pick_persona, name="login"),
    path("", include(oidc_patterns)),
]
