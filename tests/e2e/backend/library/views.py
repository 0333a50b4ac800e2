import json

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    PolymorphicProxySerializer,
    extend_schema,
    extend_schema_view,
)
from rest_framework import filters, status, viewsets
from rest_framework.decorators import action
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import AllowAny
from rest_framework.renderers import BaseRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from .models import Author, Book, BookStatus
from .serializers import (
    EchoSerializer,
    AuthorFeedItemSerializer,
    AuthorSerializer,
    BookFeedItemSerializer,
    BookSerializer,
)


class CSVRenderer(BaseRenderer):
    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):  # noqa: ANN001, ANN201
        if isinstance(data, str):
            return data.encode("utf-8")
        return json.dumps(data).encode("utf-8")


class BookPagination(PageNumberPagination):
    page_size = 5
    page_size_query_param = "page_size"
    max_page_size = 50


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter("status", str, enum=[c.value for c in BookStatus], description="Only books with this status."),
            OpenApiParameter("author", int, description="Only books by this author id."),
            OpenApiParameter("min_price", OpenApiTypes.DECIMAL, description="Only books at least this expensive."),
        ]
    )
)
class BookViewSet(viewsets.ModelViewSet):
    """Books: anyone may read, authenticated users may write."""

    serializer_class = BookSerializer
    pagination_class = BookPagination
    filter_backends = [filters.SearchFilter, filters.OrderingFilter]
    search_fields = ["title", "author__name"]
    ordering_fields = ["title", "price", "created_at", "id"]
    ordering = ["id"]

    def get_queryset(self):
        qs = Book.objects.select_related("author", "owner").all()
        params = self.request.query_params
        if status_ := params.get("status"):
            qs = qs.filter(status=status_)
        if author := params.get("author"):
            qs = qs.filter(author_id=author)
        if min_price := params.get("min_price"):
            qs = qs.filter(price__gte=min_price)
        return qs

    def perform_create(self, serializer: BookSerializer) -> None:
        serializer.save(owner=self.request.user)

    @extend_schema(request=None, responses={200: BookSerializer})
    @action(detail=True, methods=["post"])
    def publish(self, request: Request, pk: str | None = None) -> Response:
        """Marks a book as published."""
        book = self.get_object()
        book.status = BookStatus.PUBLISHED
        book.save(update_fields=["status"])
        return Response(self.get_serializer(book).data)


    @extend_schema(
        parameters=[OpenApiParameter("search", str, description="Only books whose title contains this.")],
        responses={(200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="id,title,price rows.")},
    )
    @action(detail=False, methods=["get"], renderer_classes=[CSVRenderer], pagination_class=None)
    def export(self, request: Request) -> Response:
        """The (searchable) books as CSV text."""
        lines = ["id,title,price"]
        for book in self.filter_queryset(self.get_queryset()).order_by("id"):
            lines.append(f"{book.id},{book.title},{book.price}")
        return Response("\n".join(lines) + "\n", content_type="text/csv; charset=utf-8")


class AuthorViewSet(viewsets.ModelViewSet):
    serializer_class = AuthorSerializer
    queryset = Author.objects.all()
    filter_backends = [filters.SearchFilter]
    search_fields = ["name"]


FeedItem = PolymorphicProxySerializer(
    component_name="FeedItem",
    serializers={"book": BookFeedItemSerializer, "author": AuthorFeedItemSerializer},
    resource_type_field_name="kind",
    many=True,
)


class FeedView(APIView):
    """A mixed feed of the newest books and authors (a oneOf with a discriminator)."""

    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="library_feed_list",
        parameters=[OpenApiParameter("search", str, description="Only items whose title or name contains this.")],
        responses={200: FeedItem},
    )
    def get(self, request: Request) -> Response:
        search = request.query_params.get("search", "")
        items: list[dict[str, object]] = []
        for author in Author.objects.filter(name__icontains=search).order_by("id"):
            items.append({"kind": "author", "id": author.id, "name": author.name, "book_count": author.books.count()})
        for book in Book.objects.filter(title__icontains=search).order_by("id"):
            items.append({"kind": "book", "id": book.id, "title": book.title, "price": str(book.price)})
        return Response(items, status=status.HTTP_200_OK)


class EchoView(APIView):
    """Echoes what arrived: a path segment, a repeated query parameter and headers.

    Proves the clients' URL encoding of path parameters, array query
    parameters and header parameters on the wire.
    """

    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="library_echo_retrieve",
        parameters=[
            OpenApiParameter("word", str, location=OpenApiParameter.PATH),
            OpenApiParameter("tag", str, many=True, description="Repeated: ?tag=a&tag=b."),
            OpenApiParameter("X-Trace", str, location=OpenApiParameter.HEADER, required=False),
        ],
        responses={200: EchoSerializer},
    )
    def get(self, request: Request, word: str) -> Response:
        return Response(
            {
                "word": word,
                "tags": request.query_params.getlist("tag"),
                "trace": request.headers.get("X-Trace"),
                "extra": request.headers.get("X-Extra"),
                "query": request.META.get("QUERY_STRING", ""),
            }
        )
