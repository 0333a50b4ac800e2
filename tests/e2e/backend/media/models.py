from django.conf import settings
from django.db import models


class Attachment(models.Model):
    file = models.FileField(upload_to="attachments/")
    description = models.CharField(max_length=200, blank=True, default="")
    content_type = models.CharField(max_length=100, blank=True, default="")
    size = models.PositiveIntegerField(default=0)
    uploaded_at = models.DateTimeField(auto_now_add=True)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="attachments")

    class Meta:
        ordering = ["id"]
