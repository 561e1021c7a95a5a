from django.conf import settings
from django.http import HttpResponseBadRequest
from django.utils import translation
from django.utils.translation import gettext as _


class DefaultLanguageMiddleware:
    """Chinese unless the user chose another language.

    Django's LocaleMiddleware follows the browser's Accept-Language, which
    would show an English admin to an inspector whose browser happens to be
    English. Here the language is the one picked with the switcher (stored in
    the language cookie by ``set_language``), else ``LANGUAGE_CODE``.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.supported = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen in self.supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response


class RefuseNulCharactersMiddleware:
    """A NUL character (%00) in the address is a 400 naming where it is.

    PostgreSQL refuses NUL in text, so a NUL in a list's search, a filter or an
    id reached the database and became a 500 there (SQLite let it through). The
    API and OGC API check their own parameters and answer in JSON: left alone.
    """

    OWN_CHECKS = ("/api/", "/ogc/")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path.startswith(self.OWN_CHECKS):
            problem = self._problem(request)
            if problem:
                return HttpResponseBadRequest(problem, content_type="text/plain; charset=utf-8")
        return self.get_response(request)

    @staticmethod
    def _problem(request) -> str | None:
        if "\x00" in request.path:
            return _("The address contains a NUL character; remove it.")
        for name, values in request.GET.lists():
            if "\x00" in name or any("\x00" in value for value in values):
                shown = name.replace("\x00", "\\0")
                return _("The parameter “%(name)s” contains a NUL character; remove it.") % {"name": shown}
        return None
