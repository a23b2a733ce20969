"""API views about patients: the care team's list, one patient, their
check-ins, trends, re-baselining and exports. Every patient is fetched with
patients.access.get_patient_for, so another team's patient is a 404."""

import re
from urllib.parse import urlencode

from django.http import HttpResponse, StreamingHttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.exceptions import ValidationError
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
from clinic.fhir import patient_searchset, stream_everything
from clinic.selectors import dashboard_rows
from core.api import (
    FROM_PARAM,
    PATIENT_ID,
    TO_PARAM,
    JsonApiMixin,
    date_range_params,
    error_responses,
)
from motor.selectors import motor_tests_of
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


FHIR_DEFAULT_COUNT = 100
FHIR_MAX_COUNT = 1000
# ASCII digits only, at most 7: int() also reads other scripts' digits and
# "1_000", and a page number in the billions is a typo, not a request.
_POSITIVE = re.compile(r"[1-9][0-9]{0,6}", re.ASCII)
COUNT_PARAM = OpenApiParameter(
    "_count",
    OpenApiTypes.STR,
    OpenApiParameter.QUERY,
    description=f"Check-ins per page, 1 to {FHIR_MAX_COUNT} (default {FHIR_DEFAULT_COUNT}); "
    '"all" streams the whole record as one collection Bundle (the $everything-style download).',
)
PAGE_PARAM = OpenApiParameter("page", OpenApiTypes.INT, OpenApiParameter.QUERY, description="Page, from 1.")


def _fhir_paging(request) -> tuple[int | None, int]:
    """(_count, page) from the query; _count None means "all". A 400 names the bad parameter."""
    raw_count = request.query_params.get("_count", str(FHIR_DEFAULT_COUNT))
    raw_page = request.query_params.get("page", "1")
    errors = {}
    if raw_count != "all" and not (_POSITIVE.fullmatch(raw_count) and int(raw_count) <= FHIR_MAX_COUNT):
        errors["_count"] = [f'Use a whole number from 1 to {FHIR_MAX_COUNT}, or "all".']
    if not _POSITIVE.fullmatch(raw_page):
        errors["page"] = ["Use a whole number from 1."]
    elif raw_count == "all" and raw_page != "1":
        errors["page"] = ['"_count=all" has one page.']
    if errors:
        raise ValidationError(errors)
    return (None if raw_count == "all" else int(raw_count)), int(raw_page)


def _page_url(request, **changes) -> str:
    params = {k: v for k, v in request.query_params.items() if k in ("from", "to", "_count", "page")}
    params.update({k: str(v) for k, v in changes.items()})
    return request.build_absolute_uri(request.path) + "?" + urlencode(params)


class PatientFhirView(APIView):
    @extend_schema(
        tags=["exports"],
        summary="A patient's data as a FHIR R4 Bundle, paged (searchset) or whole (streamed)",
        description="Patient, one QuestionnaireResponse per check-in (the search match) and one "
        "Observation per check-in and domain plus the total (included). The whole-record download adds one "
        "Observation per phone test try (UCUM units). Paged by check-in with `_count` "
        "and `page`; `link` gives `self` and, while more remain, `next`. `_count=all` streams the whole "
        "record as one collection Bundle. See docs/api.md for the mapping.",
        parameters=[PATIENT_ID, FROM_PARAM, TO_PARAM, COUNT_PARAM, PAGE_PARAM],
        responses={
            200: OpenApiResponse(FHIR_BUNDLE_SCHEMA, description="A FHIR Bundle (searchset, or collection)."),
            **error_responses(400, 401, 404),
        },
    )
    def get(self, request, pk):
        patient = get_patient_for(request.user, pk)
        start, end = date_range_params(request)
        count, page = _fhir_paging(request)
        checkins = checkins_between(patient=patient, start=start, end=end)
        if count is None:
            response = StreamingHttpResponse(
                stream_everything(
                    patient, checkins.iterator(chunk_size=500), motor_tests=motor_tests_of(patient=patient)
                ),
                content_type="application/fhir+json",
            )
            response["Content-Disposition"] = f'attachment; filename="myelotrack-patient-{patient.pk}-fhir.json"'
            return response
        total = checkins.count()
        links = {"self": _page_url(request, _count=count, page=page)}
        if page * count < total:
            links["next"] = _page_url(request, _count=count, page=page + 1)
        if page > 1:
            links["previous"] = _page_url(request, _count=count, page=page - 1)
        offset = (page - 1) * count
        bundle = patient_searchset(patient, checkins[offset : offset + count], total=total, links=links)
        return Response(bundle)
