from decimal import Decimal

from rest_framework import serializers

from .models import Author, Book


class AuthorSerializer(serializers.ModelSerializer):
    class Meta:
        model = Author
        fields = ["id", "name", "born"]


class BookSerializer(serializers.ModelSerializer):
    # Read-only nested serializer; written through `author_id`.
    author = AuthorSerializer(read_only=True, allow_null=True)
    author_id = serializers.PrimaryKeyRelatedField(
        queryset=Author.objects.all(), source="author", write_only=True, required=False, allow_null=True
    )
    owner = serializers.CharField(source="owner.username", read_only=True, allow_null=True, default=None)

    class Meta:
        model = Book
        fields = [
            "id",
            "title",
            "status",
            "rating",
            "cover",
            "price",
            "published_on",
            "created_at",
            "metadata",
            "author",
            "author_id",
            "owner",
        ]
        read_only_fields = ["id", "created_at", "owner"]

    def validate_title(self, value: str) -> str:
        if value.strip().lower() == "forbidden":
            raise serializers.ValidationError("This title is not allowed.")
        return value

    def validate_price(self, value: Decimal) -> Decimal:
        if value < 0:
            raise serializers.ValidationError("Price must not be negative.")
        return value


class BookFeedItemSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["book"])
    id = serializers.IntegerField()
    title = serializers.CharField()
    price = serializers.DecimalField(max_digits=8, decimal_places=2)


class AuthorFeedItemSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["author"])
    id = serializers.IntegerField()
    name = serializers.CharField()
    book_count = serializers.IntegerField()


class EchoSerializer(serializers.Serializer):
    word = serializers.CharField()
    tags = serializers.ListField(child=serializers.CharField())
    trace = serializers.CharField(allow_null=True)
    extra = serializers.CharField(allow_null=True)
    query = serializers.CharField(help_text="The raw query string.")
