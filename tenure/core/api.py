"""API plumbing shared by every domain: pagination and JSON errors."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, pagination
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler


class DefaultCursorPagination(pagination.CursorPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500
    ordering = "-id"


def exception_handler(exc, context):
    """DRF's handler, plus Django ValidationErrors from services as 400s with field messages."""
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "message_dict"):
            detail = exc.message_dict
        else:
            detail = {"non_field_errors": exc.messages}
        exc = exceptions.ValidationError(detail)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    response = drf_exception_handler(exc, context)
    if response is not None and isinstance(response.data, dict) and "detail" not in response.data:
        response.data = {"detail": "Invalid input.", "errors": response.data}
    elif response is not None and isinstance(response.data, list):
        response.data = {"detail": "Invalid input.", "errors": response.data}
    return response


def json_404(request, exception=None):
    return Response({"detail": "Not found."}, status=404)
