"""Tenancy isolation: every model belongs to a municipality or says why not, and
an object of another municipality answers 404 through pages, admin and API.

New models and endpoints join these tests automatically: a model without a
declared scope, or a scoped model without a factory, fails here.
"""

from __future__ import annotations

import pytest
from django.apps import apps
from django.db import models
from django.urls import reverse
from modelcluster.fields import ParentalKey

from tests.factories import SCOPED_FACTORIES, scope_path

PROJECT_APPS = {
    "accounts", "municipalities", "participation", "notifications", "api", "core",
    "petitions", "participatory_budget", "ideas", "consultations", "opencity", "cms",
    "buildings",
}

# Models that are not one municipality's, and why.
PLATFORM_WIDE = {
    "accounts.User": "a login account is the person's, across municipalities",
    "accounts.Identity": "a verified person may act in several municipalities",
    "municipalities.Municipality": "the tenant itself",
    "municipalities.FeatureFlag": "a row without a municipality is the platform default",
    "notifications.Notification": "belongs to its recipient (checked per user below)",
    "notifications.Preference": "belongs to its account",
    "notifications.Delivery": "belongs to its recipient's notification",
}


def project_models() -> list[type[models.Model]]:
    return [
        m for m in apps.get_models()
        if m._meta.app_label in PROJECT_APPS and not m._meta.abstract
        and not _lives_in_page_tree(m)
    ]


def _lives_in_page_tree(model) -> bool:
    """Wagtail pages and their inline rows are scoped by the page tree (tests/cms)."""
    from wagtail.models import Page

    if issubclass(model, Page):
        return True
    return any(
        isinstance(field, ParentalKey) and issubclass(field.related_model, Page)
        for field in model._meta.get_fields()
    )


def label(model) -> str:
    return f"{model._meta.app_label}.{model.__name__}"


@pytest.mark.parametrize("model", project_models(), ids=label)
def test_every_model_declares_its_municipality(model):
    if label(model) in PLATFORM_WIDE:
        return
    path = scope_path(model)
    assert path, (
        f"{label(model)} has no municipality: add a `municipality` foreign key or a "
        f"`municipality_path`, or list it in PLATFORM_WIDE with the reason"
    )
    assert model in SCOPED_FACTORIES, f"add a factory for {label(model)} to tests/factories.py"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "model", [m for m in project_models() if m in SCOPED_FACTORIES], ids=label
)
def test_factory_builds_the_object_inside_the_municipality(model, zhytomyr, dnipro):
    obj = SCOPED_FACTORIES[model](zhytomyr)
    path = scope_path(model)
    assert model.objects.filter(pk=obj.pk, **{path: zhytomyr}).exists()
    assert not model.objects.filter(pk=obj.pk, **{path: dnipro}).exists()


def scoped_api_routes():
    from edem.api.urls import router

    return [
        (prefix, viewset, basename)
        for prefix, viewset, basename in router.registry
        if "(?P<municipality>" in prefix
    ]


@pytest.mark.django_db
@pytest.mark.parametrize("route", scoped_api_routes(), ids=lambda r: r[2])
def test_api_answers_404_for_another_municipalitys_object(route, client, zhytomyr, dnipro):
    _prefix, viewset, basename = route
    model = viewset.queryset.model if viewset.queryset is not None else viewset.model
    obj = SCOPED_FACTORIES[model](zhytomyr, public=True)
    own = client.get(reverse(f"{basename}-detail", kwargs={"municipality": "zhytomyr", "pk": obj.pk}))
    other = client.get(reverse(f"{basename}-detail", kwargs={"municipality": "dnipro", "pk": obj.pk}))
    assert own.status_code == 200
    assert other.status_code == 404


@pytest.mark.django_db
def test_unknown_municipality_is_a_404_in_the_users_language(client):
    response = client.get("/no-such-city/")
    assert response.status_code == 404
    assert "Такої громади немає на платформі" in response.content.decode()
    response = client.get("/en/no-such-city/")
    assert response.status_code == 404
    assert "There is no such municipality on the platform." in response.content.decode()


@pytest.mark.django_db
def test_notifications_api_shows_only_ones_own(client, zhytomyr):
    from edem.notifications.services import notify
    from tests.factories import CitizenFactory

    alice, bob = CitizenFactory(), CitizenFactory()
    notify(kind="participation.comment_replied", recipients=[alice], municipality=zhytomyr,
           title="для Аліси")
    client.force_login(bob)
    assert client.get("/api/v1/notifications/").json()["results"] == []
    client.force_login(alice)
    titles = [n["title"] for n in client.get("/api/v1/notifications/").json()["results"]]
    assert titles == ["для Аліси"]
