from django.http import FileResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from .models import Attachment
from .serializers import (
    AttachmentSerializer,
    AttachmentUploadSerializer,
    ImageInfoSerializer,
    ImageUploadSerializer,
)


class AttachmentViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """The authenticated user's uploaded files."""

    serializer_class = AttachmentSerializer
    permission_classes = [IsAuthenticated]
    queryset = Attachment.objects.all()  # narrowed per user in get_queryset

    def get_queryset(self):
        return Attachment.objects.filter(owner=self.request.user)

    @extend_schema(request=AttachmentUploadSerializer, responses={201: AttachmentSerializer})
    @action(detail=False, methods=["post"], parser_classes=[MultiPartParser, FormParser])
    def upload(self, request: Request) -> Response:
        """Uploads a file (multipart/form-data)."""
        data = AttachmentUploadSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        upload = data.validated_data["file"]
        description = data.validated_data.get("description", "")
        tags = data.validated_data.get("tags", [])
        if tags:
            description = f"{description} [{','.join(tags)}]".strip()
        attachment = Attachment.objects.create(
            file=upload,
            description=description,
            content_type=upload.content_type or "",
            size=upload.size,
            owner=request.user,
        )
        return Response(self.get_serializer(attachment).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ImageUploadSerializer, responses={201: ImageInfoSerializer})
    @action(detail=False, methods=["post"], parser_classes=[MultiPartParser])
    def image(self, request: Request) -> Response:
        """Checks an uploaded image without keeping it.

        DRF's `ImageField` (Django's, with Pillow) rejects a file whose name
        has no image extension ("File extension '' is not allowed"), so this
        proves the clients name the files they upload.
        """
        data = ImageUploadSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        image = data.validated_data["image"]
        info = {"name": image.name, "width": image.image.width, "height": image.image.height}
        return Response(ImageInfoSerializer(info).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        responses={
            (200, "application/octet-stream"): OpenApiResponse(OpenApiTypes.BINARY, description="The file's bytes."),
        }
    )
    @action(detail=True, methods=["get"])
    def download(self, request: Request, pk: str | None = None) -> FileResponse:
        """Downloads the file's bytes."""
        attachment = self.get_object()
        return FileResponse(
            attachment.file.open("rb"),
            as_attachment=True,
            filename=attachment.file.name.rsplit("/", 1)[-1],
            content_type="application/octet-stream",
        )
