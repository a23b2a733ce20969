from django.urls import path

from clinic import views

urlpatterns = [
    path("team/handover/", views.handover, name="team_handover"),
    path("team/patients/", views.team_patients, name="team_patients"),
    path("team/patients/fragment/", views.team_patients_fragment, name="team_patients_fragment"),
    path("team/patients/<int:pk>/", views.patient_detail, name="patient_detail"),
    path("team/patients/<int:pk>/report/", views.report, name="patient_report"),
    path("team/patients/<int:pk>/report.csv", views.report_csv, name="patient_report_csv"),
]
