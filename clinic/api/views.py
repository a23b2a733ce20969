"""API views about patients: the care team's list, one patient, their
check-ins, trends, re-baselining and exports. Every patient is fetched with
patients.access.get_patient_for, so another team's patient is a 404."""

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.response import Response
from rest_framework.views import APIView

from clinic.api.serializers import (
    FHIR_BUNDLE_SCHEMA,
    BaselineResetSerializer,
    PatientDetailSerializer,
    PatientListQuerySerializer,
    PatientRowSerializer,
    TrendSeriesSerializer,
)
from clinic.exports import checkins_csv, csv_filename
from clinic.fhir import patient_bundle
from clinic.selectors import dashboard_rows
from core.api import (
    FROM_PARAM,
    PATIENT_ID,
    TO_PARAM,
    JsonApiMixin,
    date_range_params,
    error_responses,
)
from patients.access import get_patient_for, is_care_team_member
from patients.api.permissions import IsCareTeam
from tracker.api.selectors import checkins_between, patient_summary
from tracker.api.serializers import BaselineSerializer, CheckInSerializer
from tracker.services import baseline_reset
from tracker.trends import trend_series


class PatientListView(generics.ListAPIView):
    permission_classes = [IsCareTeam]
    serializer_class = PatientRowSerializer

    def get_queryset(self):
        query = PatientListQuerySerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        return dashboard_rows(
            user=self.request.user,
            query=params.get("q", ""),
            team_id=params.get("team"),
            status=params.get("status"),
        )

    @extend_schema(
        tags=["patients"],
        summary="My patients, ordered by risk as on the dashboard",
        parameters=[PatientListQuerySerializer],
        responses={200: PatientRowSerializer(many=True), **error_responses(400, 401, 403, 404)},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class PatientDetailView(APIView):
    @extend_schema(
        tags=["patients"],
        summary="One patient with baseline and latest totals",
        parameters=[PATIENT_ID],
        responses={200: PatientDetailSerializer, **error_responses(401, 404)},
    )
    def get(self, request, pk):
        patient = get_patient_for(request.user, pk)
        # A caregiver (and the patient, who has their own page) gets contact: null; the numbers are the care team's.
        context = {"summary": patient_summary(patient=patient), "care_team": is_care_team_member(request.user)}
        return Response(PatientDetailSerializer(patient, context=context).data)


class PatientCheckInsView(generics.ListAPIView):
    serializer_class = CheckInSerializer

    def get_queryset(self):
        patient = get_patient_for(self.request.user, self.kwargs["pk"])
        start, end = date_range_params(self.request)
        return checkins_between(patient=patient, start=start, end=end)

    @extend_schema(
        tags=["patients"],
        summary="A patient's check-ins, oldest first",
        parameters=[PATIENT_ID, FROM_PARAM, TO_PARAM],
        responses={200: CheckInSerializer(many=True), **error_responses(400, 401, 404)},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class PatientTrendsView(APIView):
    @extend_schema(
        tags=["patients"],
        summary="The series behind the trend charts",
        description="`from` defaults to the first check-in, `to` to the patient's local today.",
        parameters=[PATIENT_ID, FROM_PARAM, TO_PARAM],
        responses={200: TrendSeriesSerializer, **error_responses(400, 401, 404)},
    )
    def get(self, request, pk):
        patient = get_patient_for(request.user, pk)
        start, end = date_range_params(request)
        return Response(trend_series(patient=patient, start=start, end=end))


class PatientBaselineView(JsonApiMixin, APIView):
    permission_classes = [IsCareTeam]

    @extend_schema(
        tags=["patients"],
        summary="Re-baseline from a date (clinicians)",
        description="Open decline alerts close as re-baselined and detection restarts from the new baseline.",
        parameters=[PATIENT_ID],
        request=BaselineResetSerializer,
        responses={201: BaselineSerializer, **error_responses(400, 401, 403, 404)},
    )
    def post(self, request, pk):
        patient = get_patient_for(request.user, pk)
        body = BaselineResetSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        baseline = baseline_reset(patient=patient, user=request.user, **body.validated_data)
        return Response(BaselineSerializer(baseline).data, status=status.HTTP_201_CREATED)


class PatientExportCsvView(APIView):
    @extend_schema(
        tags=["exports"],
        summary="A patient's check-ins as CSV",
        parameters=[PATIENT_ID, FROM_PARAM, TO_PARAM],
        responses={
            (200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="One row per check-in."),
            **error_responses(400, 401, 404),
        },
    )
    def get(self, request, pk):
        patient = get_patient_for(request.user, pk)
        start, end = date_range_params(request)
        response = HttpResponse(
            checkins_csv(checkins_between(patient=patient, start=start, end=end)),
            content_type="text/csv; charset=utf-8",
        )
        response["Content-Disposition"] = f'attachment; filename="{csv_filename(patient)}"'
        return response


class PatientFhirView(APIView):
    @extend_schema(
        tags=["exports"],
        summary="A patient's data as a FHIR R4 Bundle",
        description="Patient, one Observation per check-in and domain (plus the total) and one "
        "QuestionnaireResponse per check-in. See docs/api.md for the mapping.",
        parameters=[PATIENT_ID, FROM_PARAM, TO_PARAM],
        responses={
            200: OpenApiResponse(FHIR_BUNDLE_SCHEMA, description="A FHIR Bundle of type collection."),
            **error_responses(400, 401, 404),
        },
    )
    def get(self, request, pk):
        patient = get_patient_for(request.user, pk)
        start, end = date_range_params(request)
        return Response(patient_bundle(patient, checkins_between(patient=patient, start=start, end=end)))
