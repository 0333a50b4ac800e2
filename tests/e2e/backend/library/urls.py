from django.urls import path
from rest_framework.routers import DefaultRouter

from .views import AuthorViewSet, BookViewSet, EchoView, FeedView

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("books", BookViewSet, basename="book")
router.register("authors", AuthorViewSet, basename="author")

urlpatterns = [
    path("feed/", FeedView.as_view(), name="feed"),
    path("echo/<str:word>/", EchoView.as_view(), name="echo"),
    *router.urls,
]
