from rest_framework.routers import DefaultRouter

from .views import AttachmentViewSet

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("attachments", AttachmentViewSet, basename="attachment")

urlpatterns = router.urls
