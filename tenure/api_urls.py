"""/api/v1/: every domain registers its viewsets on one router."""

from rest_framework.routers import DefaultRouter

from tenure.service.api import register as register_service

router = DefaultRouter()
register_service(router)
urlpatterns = router.urls
