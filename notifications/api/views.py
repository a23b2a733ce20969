"""API views for the care team's alerts: list, acknowledge, resolve.

Alerts are fetched through notifications.selectors (scoped by
patients.access), so another team's alert is a 404.
"""

from drf_spectacular.utils import extend_schema
from rest_framework import generics
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import ALERT_ID, JsonApiMixin, error_responses
from notifications.api.serializers import AlertListQuerySerializer, AlertResolveSerializer, AlertSerializer
from notifications.selectors import get_alert_for, inbox_alerts
from notifications.services import alert_acknowledge, alert_resolve
from patients.api.permissions import IsCareTeam


class AlertListView(generics.ListAPIView):
    permission_classes = [IsCareTeam]
    serializer_class = AlertSerializer

    def get_queryset(self):
        query = AlertListQuerySerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        return inbox_alerts(self.request.user, **query.validated_data)

    @extend_schema(
        tags=["alerts"],
        summary="Alerts of my patients: most severe, then oldest first",
        parameters=[AlertListQuerySerializer],
        responses={200: AlertSerializer(many=True), **error_responses(400, 401, 403, 404)},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class AlertAcknowledgeView(APIView):
    permission_classes = [IsCareTeam]

    @extend_schema(
        tags=["alerts"],
        summary="Acknowledge an alert (I am on it); stops escalation",
        parameters=[ALERT_ID],
        request=None,
        responses={200: AlertSerializer, **error_responses(400, 401, 403, 404)},
    )
    def post(self, request, pk):
        alert = alert_acknowledge(alert=get_alert_for(request.user, pk), user=request.user)
        return Response(AlertSerializer(alert).data)


class AlertResolveView(JsonApiMixin, APIView):
    permission_classes = [IsCareTeam]

    @extend_schema(
        tags=["alerts"],
        summary="Resolve an alert with an outcome and an optional note",
        parameters=[ALERT_ID],
        request=AlertResolveSerializer,
        responses={200: AlertSerializer, **error_responses(400, 401, 403, 404)},
    )
    def post(self, request, pk):
        alert = get_alert_for(request.user, pk)
        body = AlertResolveSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        alert = alert_resolve(alert=alert, user=request.user, **body.validated_data)
        return Response(AlertSerializer(alert).data)
