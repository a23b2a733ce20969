from django.urls import path

from patients import views
from tracker import views_report

urlpatterns = [
    path("team/patients/", views.team_patients, name="team_patients"),
    path("team/patients/new/", views.enrol, name="enrol"),
    path("team/patients/fragment/", views.team_patients_fragment, name="team_patients_fragment"),
    path("team/patients/<int:pk>/report/", views_report.report, name="patient_report"),
    path("team/patients/<int:pk>/report.csv", views_report.report_csv, name="patient_report_csv"),
    path("team/patients/<int:pk>/", views.patient_detail, name="patient_detail"),
    path("team/patients/<int:pk>/events/new/", views.event_add, name="event_add"),
    path("join/", views.join, name="join"),
    path("join/<str:code>/", views.join, name="join_code"),
]
