from django.contrib.auth import views as auth_views
from django.urls import path

from patients import views, views_two_factor

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("login/verify/", views_two_factor.two_factor_verify, name="two_factor_verify"),
    path("account/two-factor/", views_two_factor.two_factor_setup, name="two_factor_setup"),
    path("account/two-factor/recovery-codes/", views_two_factor.recovery_codes_new, name="two_factor_recovery_codes"),
    path("account/keep-alive/", views_two_factor.keep_alive, name="keep_alive"),
    path("team/patients/new/", views.enrol, name="enrol"),
    path("team/patients/<int:pk>/events/new/", views.event_add, name="event_add"),
    # No /join/<code>/: a code in the path lands in access logs; links carry it after "#".
    path("join/", views.join, name="join"),
]
