"""Staff screens of the geoportal in the Wagtail admin (/cms/geoportal/).

Municipality staff list their municipalities' layers, describe a layer, upload
its GeoJSON (refused whole with every problem listed), edit features one by
one on a map, read the versions with what each changed, and — moderators and
admins — publish or unpublish it. A layer of a municipality where the person
holds no role answers 404 on every screen.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from edem.core.errors import DomainError
from edem.core.forms import add_validation_errors
from edem.municipalities.admin_scoping import ALL_STAFF, municipalities_with_role

from . import selectors, services
from .forms import FeatureForm, LayerForm, UploadForm, feature_initial
from .geojson import GeoJSONRefused
from .models import LayerFeature, MapLayer


def _staff_municipalities(request: HttpRequest):
    municipalities = municipalities_with_role(request.user, ALL_STAFF)
    if not municipalities.exists():
        raise Http404
    return municipalities


def _titles(title: str) -> dict[str, str]:
    """The screen's title for the browser tab and for its heading."""
    return {"header_title": title, "page_title": title}


def _may_publish(request: HttpRequest, layer: MapLayer) -> bool:
    return request.user.has_perm("cms.publish_layer", layer)


def layer_index(request: HttpRequest) -> HttpResponse:
    """The layers of the person's municipalities, newest changes first."""
    _staff_municipalities(request)
    layers = selectors.staff_layer_list(user=request.user).order_by(
        "municipality__name_uk", "category", "order", "title_uk"
    )
    return render(
        request,
        "cms/geoportal/admin/index.html",
        {"layers": layers, **_titles(_("Geoportal layers"))},
    )


def layer_create(request: HttpRequest) -> HttpResponse:
    municipalities = _staff_municipalities(request)
    form = LayerForm(request.POST or None, municipalities=municipalities)
    if request.method == "POST" and form.is_valid():
        try:
            layer = services.layer_create(
                actor=request.user,
                municipality=form.cleaned_data["municipality"],
                data=form.layer_data(),
            )
        except ValidationError as exc:
            add_validation_errors(form, exc, fields={"schema": "schema_text"})
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("The layer is created. Now upload its data."))
            return redirect("geoportal_admin:layer", pk=layer.pk)
    return render(
        request,
        "cms/geoportal/admin/layer_form.html",
        {"form": form, **_titles(_("New map layer"))},
    )


def layer_room(request: HttpRequest, pk: int) -> HttpResponse:
    """A layer's description, its data upload, publication and versions."""
    layer = selectors.staff_layer_get(user=request.user, pk=pk)
    form = LayerForm(instance=layer)
    upload = UploadForm()
    problems: list[str] = []
    if request.method == "POST" and request.POST.get("step") == "describe":
        form = LayerForm(request.POST, instance=MapLayer.objects.get(pk=layer.pk))
        if form.is_valid():
            try:
                services.layer_update(
                    actor=request.user, layer=layer, data=form.layer_data()
                )
            except ValidationError as exc:
                add_validation_errors(form, exc, fields={"schema": "schema_text"})
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("The layer is saved."))
                return redirect("geoportal_admin:layer", pk=layer.pk)
        layer = selectors.staff_layer_get(user=request.user, pk=pk)
    elif request.method == "POST" and request.POST.get("step") == "upload":
        upload = UploadForm(request.POST, request.FILES)
        if upload.is_valid():
            try:
                version = services.layer_data_replace(
                    actor=request.user, layer=layer, upload=upload.cleaned_data["file"]
                )
            except GeoJSONRefused as exc:
                problems = exc.problems
                upload.add_error(
                    "file",
                    _(
                        "The file was refused and nothing was imported; see the problems above."
                    )
                    if len(problems) > 1
                    else exc.message,
                )
            except DomainError as exc:
                upload.add_error("file", exc.message)
            else:
                messages.success(
                    request,
                    _(
                        "Version %(number)s is saved: %(added)s added, %(removed)s "
                        "removed, %(changed)s changed."
                    )
                    % {
                        "number": version.number,
                        "added": version.added,
                        "removed": version.removed,
                        "changed": version.changed,
                    },
                )
                return redirect("geoportal_admin:layer", pk=layer.pk)
    return render(
        request,
        "cms/geoportal/admin/layer.html",
        {
            "layer": layer,
            "form": form,
            "upload_form": upload,
            "problems": problems,
            "versions": selectors.version_list(layer=layer)[:50],
            "may_publish": _may_publish(request, layer),
            **_titles(layer.title),
        },
    )


@require_POST
def layer_publication(request: HttpRequest, pk: int) -> HttpResponse:
    layer = selectors.staff_layer_get(user=request.user, pk=pk)
    try:
        if request.POST.get("action") == "publish":
            services.layer_publish(actor=request.user, layer=layer)
            messages.success(request, _("The layer is published on the map."))
        else:
            services.layer_unpublish(actor=request.user, layer=layer)
            messages.success(request, _("The layer is taken off the map."))
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("geoportal_admin:layer", pk=layer.pk)


@require_POST
def layer_delete(request: HttpRequest, pk: int) -> HttpResponse:
    layer = selectors.staff_layer_get(user=request.user, pk=pk)
    try:
        services.layer_delete(actor=request.user, layer=layer)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("geoportal_admin:layer", pk=layer.pk)
    messages.success(request, _("The layer is deleted."))
    return redirect("geoportal_admin:index")


def version_download(request: HttpRequest, pk: int, number: int) -> FileResponse:
    """The layer's data as it was in one version."""
    layer = selectors.staff_layer_get(user=request.user, pk=pk)
    version = layer.versions.filter(number=number).first()
    if version is None or not version.data:
        raise Http404
    return FileResponse(
        version.data.open("rb"),
        as_attachment=True,
        filename=f"{layer.municipality.slug}-{layer.slug}-v{number}.geojson",
        content_type="application/geo+json",
    )


def staff_features(request: HttpRequest, pk: int) -> JsonResponse:
    """Every feature of the layer (published or not) for the editing map."""
    layer = selectors.staff_layer_get(user=request.user, pk=pk)
    today = layer.municipality.local_today()
    features = list(layer.features.all())
    data = selectors.feature_collection(layer, features, today=today)
    for item, feature in zip(data["features"], features, strict=True):
        item["edit"] = reverse(
            "geoportal_admin:feature", kwargs={"pk": layer.pk, "fid": feature.pk}
        )
    return JsonResponse(data, json_dumps_params={"ensure_ascii": False})


def _map_context(layer: MapLayer) -> dict:
    municipality = layer.municipality
    from django.conf import settings

    return {
        "tiles": settings.MAP_TILE_URL,
        "attribution": settings.MAP_TILE_ATTRIBUTION,
        "centre": [float(municipality.centre_lat), float(municipality.centre_lon)],
        "boundary": municipality.boundary or None,
        "features": reverse("geoportal_admin:features_json", kwargs={"pk": layer.pk}),
        "style": layer.style(),
    }


def feature_list(request: HttpRequest, pk: int) -> HttpResponse:
    """The layer's features on a map and in a list, each opening its editor."""
    layer = selectors.staff_layer_get(user=request.user, pk=pk)
    return render(
        request,
        "cms/geoportal/admin/features.html",
        {
            "layer": layer,
            "features": layer.features.order_by("position", "pk")[:500],
            "map_config": _map_context(layer),
            **_titles(_("Features of “%(title)s”") % {"title": layer.title}),
        },
    )


def _feature_of(layer: MapLayer, fid: int) -> LayerFeature:
    feature = layer.features.filter(pk=fid).first()
    if feature is None:
        raise Http404
    return feature


def feature_edit(request: HttpRequest, pk: int, fid: int | None = None) -> HttpResponse:
    """Draw or change one feature and its attributes; saving makes a new version."""
    layer = selectors.staff_layer_get(user=request.user, pk=pk)
    feature = _feature_of(layer, fid) if fid is not None else None
    key = feature.key if feature else None
    initial = feature_initial(layer, feature) if feature else None
    form = FeatureForm(request.POST or None, layer=layer, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.feature_save(
                actor=request.user,
                layer=layer,
                key=key,
                geometry=form.cleaned_data["geometry"],
                properties=form.properties(),
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(
                request,
                _("The feature “%(name)s” is saved as version %(number)s.")
                % {"name": saved.name or saved.key, "number": layer.version},
            )
            return redirect("geoportal_admin:features", pk=layer.pk)
    return render(
        request,
        "cms/geoportal/admin/feature_form.html",
        {
            "layer": layer,
            "feature": feature,
            "form": form,
            "map_config": _map_context(layer),
            **_titles((feature.name or feature.key) if feature else _("New feature")),
        },
    )


@require_POST
def feature_delete(request: HttpRequest, pk: int, fid: int) -> HttpResponse:
    layer = selectors.staff_layer_get(user=request.user, pk=pk)
    feature = _feature_of(layer, fid)
    try:
        version = services.feature_delete(
            actor=request.user, layer=layer, key=feature.key
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("The feature is removed in version %(number)s.")
            % {"number": version.number},
        )
    return redirect("geoportal_admin:features", pk=layer.pk)
