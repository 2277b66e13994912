"""Authentication that leaves the session alone for visitors who have none.

Django's AuthenticationMiddleware reads the session to find the user as soon as anything
looks at request.user (the base template does, to show staff links). Reading the session
makes SessionMiddleware add "Vary: Cookie", which splits every cache on the way by
cookie. A visitor without a session cookie cannot be logged in, so they get the anonymous
user straight away and the session is never touched: public pages stay cookie-free and
cacheable alike for everyone, and declarants never get a session.
"""

from django.conf import settings
from django.contrib.auth import middleware
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest


class AuthenticationMiddleware(middleware.AuthenticationMiddleware):
    def process_request(self, request: HttpRequest) -> None:
        if settings.SESSION_COOKIE_NAME in request.COOKIES:
            return super().process_request(request)
        anonymous = AnonymousUser()

        async def auser() -> AnonymousUser:
            return anonymous

        request.user = anonymous
        request.auser = auser
        return None
