from django.urls import path

from tracker import pwa, views

urlpatterns = [
    path("", views.home, name="home"),
    path("checkin/", views.checkin, name="checkin"),
    path("checkin/<str:day>/done/", views.checkin_done, name="checkin_done"),
    path("today/", views.today, name="today"),
    path("team/patients/<int:pk>/baseline/", views.baseline_reset, name="baseline_reset"),
    # The installable app: these must sit at the root (a worker controls only the paths under its own).
    path("manifest.webmanifest", pwa.manifest, name="manifest"),
    path("sw.js", pwa.service_worker, name="service_worker"),
    path("favicon.ico", pwa.favicon, name="favicon"),
    path("offline/", pwa.offline, name="offline"),
]
