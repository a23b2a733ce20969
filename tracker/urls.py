from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from tracker import views

urlpatterns = [
    path("", views.home, name="home"),
    path("checkin/", views.checkin, name="checkin"),
    path("checkin/<str:day>/done/", views.checkin_done, name="checkin_done"),
    path("today/", views.today, name="today"),
    path("team/patients/<int:pk>/baseline/", views.baseline_reset, name="baseline_reset"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("", include("patients.urls")),
    path("", include("notifications.urls")),
    path("api/v1/", include("tracker.api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("admin/", admin.site.urls),
]

handler404 = "tracker.api.exceptions.not_found_handler"
