from django.contrib.auth import authenticate, login, logout
from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.authtoken.models import Token
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from .models import Profile
from .serializers import (
    CredentialsSerializer,
    ProfileSerializer,
    RegisterSerializer,
    TokenSerializer,
    UserSerializer,
)


class RegisterView(generics.CreateAPIView):
    """Creates a user. The password is write-only."""

    serializer_class = RegisterSerializer
    permission_classes = [AllowAny]
    authentication_classes: list[type] = []


def _check(request: Request):
    creds = CredentialsSerializer(data=request.data)
    creds.is_valid(raise_exception=True)
    user = authenticate(request, **creds.validated_data)
    if user is None:
        raise AuthenticationFailed("Invalid username or password.")
    return user


class TokenView(APIView):
    """Exchanges a username and password for a DRF token."""

    permission_classes = [AllowAny]
    authentication_classes: list[type] = []

    @extend_schema(request=CredentialsSerializer, responses={200: TokenSerializer})
    def post(self, request: Request) -> Response:
        user = _check(request)
        token, _ = Token.objects.get_or_create(user=user)
        return Response({"token": token.key})


class LoginView(APIView):
    """Logs in with a Django session (sets the `sessionid` and `csrftoken` cookies)."""

    permission_classes = [AllowAny]
    # No authentication here, so no CSRF check before a session exists.
    authentication_classes: list[type] = []

    @extend_schema(request=CredentialsSerializer, responses={200: UserSerializer})
    def post(self, request: Request) -> Response:
        user = _check(request)
        login(request._request, user)
        return Response(UserSerializer(user).data)


class LogoutView(APIView):
    """Ends the session."""

    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses={204: None})
    def post(self, request: Request) -> Response:
        logout(request._request)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ProfileView(generics.RetrieveUpdateAPIView):
    """The profile of the authenticated user."""

    serializer_class = ProfileSerializer
    permission_classes = [IsAuthenticated]
    http_method_names = ["get", "patch", "options", "head"]

    def get_object(self) -> Profile:
        profile, _ = Profile.objects.get_or_create(user=self.request.user)
        return profile
