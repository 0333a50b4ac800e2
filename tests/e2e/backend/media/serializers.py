import os

from rest_framework import serializers

from .models import Attachment


class AttachmentSerializer(serializers.ModelSerializer):
    filename = serializers.SerializerMethodField()

    class Meta:
        model = Attachment
        fields = ["id", "file", "filename", "description", "content_type", "size", "uploaded_at"]
        read_only_fields = ["id", "filename", "content_type", "size", "uploaded_at"]

    def get_filename(self, obj: Attachment) -> str:
        return os.path.basename(obj.file.name)


class AttachmentUploadSerializer(serializers.Serializer):
    file = serializers.FileField()
    description = serializers.CharField(max_length=200, required=False, allow_blank=True)
    tags = serializers.ListField(child=serializers.CharField(), required=False)


class ImageUploadSerializer(serializers.Serializer):
    image = serializers.ImageField()


class ImageInfoSerializer(serializers.Serializer):
    name = serializers.CharField()
    width = serializers.IntegerField()
    height = serializers.IntegerField()
