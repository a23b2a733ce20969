from django.contrib.auth import views as auth_views
from django.urls import path

from patients import views, views_account, views_passkeys, views_two_factor

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("login/verify/", views_two_factor.two_factor_verify, name="two_factor_verify"),
    path("account/two-factor/", views_two_factor.two_factor_setup, name="two_factor_setup"),
    path("account/two-factor/recovery-codes/", views_two_factor.recovery_codes_new, name="two_factor_recovery_codes"),
    path("account/keep-alive/", views_two_factor.keep_alive, name="keep_alive"),
    path("account/", views_account.account, name="account"),
    path("account/password/", views_account.PasswordChangeView.as_view(), name="password_change"),
    path("account/sign-out-others/", views_account.sign_out_others, name="sign_out_others"),
    path("account/devices/<int:pk>/revoke/", views_account.device_revoke, name="device_revoke"),
    path("account/passkeys/options/", views_passkeys.register_options, name="passkey_register_options"),
    path("account/passkeys/", views_passkeys.register, name="passkey_register"),
    path("account/passkeys/<int:pk>/remove/", views_passkeys.remove, name="passkey_remove"),
    path("login/passkey/options/", views_passkeys.authenticate_options, name="passkey_log_in_options"),
    path("login/passkey/", views_passkeys.authenticate, name="passkey_log_in"),
    path("password-reset/", views_account.PasswordResetView.as_view(), name="password_reset"),
    path(
        "password-reset/sent/",
        auth_views.PasswordResetDoneView.as_view(template_name="registration/password_reset_done.html"),
        name="password_reset_done",
    ),
    # Django swaps the token in this path for a session value on the first visit, so it is used once.
    path(
        "password-reset/<str:uidb64>/<str:token>/",
        views_account.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "password-reset/done/",
        auth_views.PasswordResetCompleteView.as_view(template_name="registration/password_reset_complete.html"),
        name="password_reset_complete",
    ),
    path("team/patients/<int:pk>/invitation/", views_account.invitation_resend, name="invitation_resend"),
    path("team/patients/<int:pk>/caregivers/invite/", views_account.caregiver_invite, name="caregiver_invite"),
    path("account/helpers/invite/", views_account.caregiver_invite_own, name="caregiver_invite_own"),
    path("account/helpers/<int:pk>/remove/", views_account.caregiver_remove_own, name="caregiver_remove_own"),
    path("team/patients/new/", views.enrol, name="enrol"),
    path("team/patients/<int:pk>/contact/", views.contact_edit, name="patient_contact_edit"),
    path("account/contact/", views.contact_own, name="contact_own"),
    path("team/patients/<int:pk>/events/new/", views.event_add, name="event_add"),
    # No /join/<code>/: a code in the path lands in access logs; links carry it after "#".
    path("join/", views.join, name="join"),
]
