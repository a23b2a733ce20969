from django.urls import path

from motor import views

urlpatterns = [
    path("tests/", views.hub, name="motor_hub"),
    path("tests/tap/", views.tap, name="motor_tap"),
    path("tests/steps/", views.step, name="motor_step"),
    path("tests/walk/", views.walk, name="motor_walk"),
    path("team/patients/<int:pk>/tests/", views.settings_page, name="motor_settings"),
]
