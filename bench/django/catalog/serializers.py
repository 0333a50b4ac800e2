from rest_framework import serializers

from .models import Category, Product, Review

# bench/django.sh rewrites this line on every save, so each save changes the
# schema (a field's description) and regenerates the catalog's clients.
SAVE = "save 0"


class CategorySerializer(serializers.ModelSerializer):
    class Meta:
        model = Category
        fields = ["id", "name", "slug", "parent"]


class ProductSerializer(serializers.ModelSerializer):
    name = serializers.CharField(max_length=200, help_text=f"Display name ({SAVE})")
    category = CategorySerializer(read_only=True)
    category_id = serializers.PrimaryKeyRelatedField(
        queryset=Category.objects.all(), source="category", write_only=True
    )

    class Meta:
        model = Product
        fields = ["id", "name", "sku", "price", "availability", "category", "category_id", "created"]
        read_only_fields = ["id", "created"]


class ReviewSerializer(serializers.ModelSerializer):
    class Meta:
        model = Review
        fields = ["id", "product", "stars", "text"]
