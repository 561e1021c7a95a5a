"""One place maps domain errors to HTTP: every 4xx has a JSON body saying what was wrong."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import status
from rest_framework.exceptions import APIException
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from common.errors import ConcurrentChange, DomainError, IllegalTransition, InvalidUpload, NotPermitted

STATUS = {
    NotPermitted: (status.HTTP_403_FORBIDDEN, "not_permitted"),
    InvalidUpload: (status.HTTP_400_BAD_REQUEST, "invalid_upload"),
    ConcurrentChange: (status.HTTP_409_CONFLICT, "concurrent_change"),
    IllegalTransition: (status.HTTP_409_CONFLICT, "illegal_transition"),
    DomainError: (status.HTTP_409_CONFLICT, "refused"),
}


def exception_handler(exc, context):
    if isinstance(exc, DomainError):
        code_status, code = next(value for kind, value in STATUS.items() if isinstance(exc, kind))
        return Response({"detail": str(exc.message), "code": code}, status=code_status)
    if isinstance(exc, DjangoValidationError):
        body = exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}
        return Response(body, status=status.HTTP_400_BAD_REQUEST)
    response = drf_exception_handler(exc, context)
    if response is not None and isinstance(exc, (APIException, Http404)) and isinstance(response.data, list):
        response.data = {"detail": response.data}
    return response
