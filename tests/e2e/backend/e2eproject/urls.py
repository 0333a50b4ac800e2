from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView

urlpatterns = [
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/library/", include("library.urls")),
    path("api/accounts/", include("accounts.urls")),
    path("api/media/", include("media.urls")),
]
