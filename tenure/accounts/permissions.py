from rest_framework import permissions


class StaffPermission(permissions.BasePermission):
    """Signed-in active staff may read; analysts may not write; object access is by visibility."""

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not (user and user.is_authenticated and user.is_active):
            return False
        if request.method in permissions.SAFE_METHODS:
            return True
        return user.can_write


class AdminPermission(permissions.BasePermission):
    def has_permission(self, request, view) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and user.is_active and user.is_admin)
