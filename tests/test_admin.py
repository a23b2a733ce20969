"""Django admin works for every model of the project's own apps."""

import pytest
from django.apps import apps
from django.contrib import admin
from django.urls import reverse

PROJECT_APPS = ("core", "audit", "patients", "notifications", "motor", "tracker", "clinic")
MODELS = [model for label in PROJECT_APPS for model in apps.get_app_config(label).get_models()]


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m._meta.label)
def test_every_model_is_registered_in_the_admin(model):
    assert admin.site.is_registered(model), f"{model._meta.label} has no ModelAdmin"


@pytest.mark.django_db
@pytest.mark.parametrize("model", MODELS, ids=lambda m: m._meta.label)
def test_the_admin_list_and_add_pages_open_for_an_administrator(client, admin_user, patient, model):
    client.force_login(admin_user)
    opts = model._meta
    changelist = client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))
    assert changelist.status_code == 200
    add = client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_add"))
    # Some rows are only ever written by services (for example deliveries); the admin may forbid adding them.
    assert add.status_code in (200, 403)
