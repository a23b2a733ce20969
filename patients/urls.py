from django.contrib.auth import views as auth_views
from django.urls import path

from patients import views

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("team/patients/new/", views.enrol, name="enrol"),
    path("team/patients/<int:pk>/events/new/", views.event_add, name="event_add"),
    # No /join/<code>/: a code in the path lands in access logs; links carry it after "#".
    path("join/", views.join, name="join"),
]
