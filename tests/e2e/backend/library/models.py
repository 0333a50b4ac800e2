from django.conf import settings
from django.db import models


class BookStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    PUBLISHED = "published", "Published"
    ARCHIVED = "archived", "Archived"


class Rating(models.IntegerChoices):
    AWFUL = 1
    POOR = 2
    FAIR = 3
    GOOD = 4
    GREAT = 5


class Cover(models.TextChoices):
    HARDCOVER = "hardcover", "Hardcover"
    PAPERBACK = "paperback", "Paperback"


class Author(models.Model):
    name = models.CharField(max_length=200)
    born = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class Book(models.Model):
    title = models.CharField(max_length=200)
    status = models.CharField(max_length=20, choices=BookStatus.choices, default=BookStatus.DRAFT)
    rating = models.IntegerField(choices=Rating.choices, default=Rating.FAIR)
    # Nullable and blank choices: drf-spectacular emits oneOf [CoverEnum, BlankEnum, NullEnum].
    cover = models.CharField(max_length=20, choices=Cover.choices, null=True, blank=True)
    price = models.DecimalField(max_digits=8, decimal_places=2)
    published_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    metadata = models.JSONField(default=dict, blank=True)
    author = models.ForeignKey(Author, null=True, blank=True, on_delete=models.SET_NULL, related_name="books")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.title
