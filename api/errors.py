"""One place maps domain errors to HTTP: every 4xx under /api/ has a JSON body saying what was wrong.

DRF views answer through ``exception_handler``; what Django answers itself (a
path no route matches, a body over DATA_UPLOAD_MAX_MEMORY_SIZE, a refusal
outside DRF) goes through the site's handlers below, which answer JSON under
/api/ and Django's HTML pages everywhere else.
"""

from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, JsonResponse
from django.utils.translation import gettext as _
from django.views import defaults
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
    if isinstance(exc, (RequestDataTooBig, SuspiciousOperation)):
        return Response({"detail": _bad_request_message(exc)}, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, DjangoValidationError):
        body = exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}
        return Response(body, status=status.HTTP_400_BAD_REQUEST)
    response = drf_exception_handler(exc, context)
    if response is not None and isinstance(exc, (APIException, Http404)) and isinstance(response.data, list):
        response.data = {"detail": response.data}
    return response


def _is_api(request) -> bool:
    return request.path.startswith("/api/")


def _bad_request_message(exception) -> str:
    if isinstance(exception, RequestDataTooBig):
        return _("The request body is too large.")
    return _("Bad request.")


def bad_request(request, exception, template_name=defaults.ERROR_400_TEMPLATE_NAME):
    if _is_api(request):
        return JsonResponse({"detail": _bad_request_message(exception)}, status=400)
    return defaults.bad_request(request, exception, template_name)


def permission_denied(request, exception, template_name=defaults.ERROR_403_TEMPLATE_NAME):
    if _is_api(request):
        return JsonResponse({"detail": _("You do not have permission to perform this action.")}, status=403)
    return defaults.permission_denied(request, exception, template_name)


def page_not_found(request, exception, template_name=defaults.ERROR_404_TEMPLATE_NAME):
    if _is_api(request):
        return JsonResponse({"detail": _("Not found.")}, status=404)
    return defaults.page_not_found(request, exception, template_name)
