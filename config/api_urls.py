"""/api/v1/: every route here must have a row in tests/api/test_access_matrix.py."""

from django.urls import path

from clinic.api import views as patients
from motor.api import views as motor
from notifications.api import views as alerts
from tracker.api import views

# Ids are matched as any path segment so that "abc" or a 30-digit number is
# the view's JSON 404, not the HTML page of the URL resolver.
urlpatterns = [
    path("auth/token/", views.TokenView.as_view(), name="api-token"),
    path("auth/logout/", views.LogoutView.as_view(), name="api-logout"),
    path("auth/tokens/", views.DeviceTokensView.as_view(), name="api-tokens"),
    path("auth/tokens/<str:pk>/", views.DeviceTokenView.as_view(), name="api-token-detail"),
    path("me/", views.MeView.as_view(), name="api-me"),
    path("checkins/", views.MyCheckInsView.as_view(), name="api-checkins"),
    path("motor-tests/", motor.MyMotorTestsView.as_view(), name="api-motor-tests"),
    path("patients/", patients.PatientListView.as_view(), name="api-patients"),
    path("patients/<str:pk>/", patients.PatientDetailView.as_view(), name="api-patient"),
    path("patients/<str:pk>/checkins/", patients.PatientCheckInsView.as_view(), name="api-patient-checkins"),
    path("patients/<str:pk>/trends/", patients.PatientTrendsView.as_view(), name="api-patient-trends"),
    path("patients/<str:pk>/baseline/", patients.PatientBaselineView.as_view(), name="api-patient-baseline"),
    path("patients/<str:pk>/export.csv", patients.PatientExportCsvView.as_view(), name="api-patient-export-csv"),
    path("patients/<str:pk>/motor-tests/", motor.PatientMotorTestsView.as_view(), name="api-patient-motor-tests"),
    path("patients/<str:pk>/fhir/", patients.PatientFhirView.as_view(), name="api-patient-fhir"),
    path("alerts/", alerts.AlertListView.as_view(), name="api-alerts"),
    path("alerts/<str:pk>/acknowledge/", alerts.AlertAcknowledgeView.as_view(), name="api-alert-acknowledge"),
    path("alerts/<str:pk>/resolve/", alerts.AlertResolveView.as_view(), name="api-alert-resolve"),
]
