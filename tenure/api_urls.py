"""/api/v1/: every domain registers its viewsets on one router."""

from rest_framework.routers import DefaultRouter

router = DefaultRouter()
urlpatterns = router.urls
