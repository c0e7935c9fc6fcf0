"""Login and callback URLs of every configured OpenID Connect provider.

allauth builds its provider URLs from the provider class's package, so this
module replaces ``allauth.socialaccount.providers.openid_connect.urls``: the
only OpenID Connect callback the site has is the verified one.
"""

from allauth.socialaccount import app_settings
from django.urls import include, path, re_path

from . import views

urlpatterns = [
    re_path(
        r"^(?P<provider_id>[^/]+)/",
        include(
            [
                path("login/", views.login, name="openid_connect_login"),
                path("login/callback/", views.callback, name="openid_connect_callback"),
            ]
        ),
    )
]

if app_settings.OPENID_CONNECT_URL_PREFIX:
    urlpatterns = [
        path(f"{app_settings.OPENID_CONNECT_URL_PREFIX}/", include(urlpatterns))
    ]
