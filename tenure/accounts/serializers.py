"""API input and output shapes for staff, teams and API tokens."""

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from tenure.accounts.models import ApiToken, Role, Team, User
from tenure.core.api import StrictSerializer


class TeamSerializer(serializers.ModelSerializer):
    class Meta:
        model = Team
        fields = ["id", "name", "description", "created_at", "updated_at"]
        read_only_fields = fields


class TeamInputSerializer(StrictSerializer):
    name = serializers.CharField(max_length=100)


class StaffSerializer(serializers.ModelSerializer):
    teams = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = User
        fields = [
            "id",
            "username",
            "display_name",
            "email",
            "role",
            "teams",
            "is_active",
            "language",
            "last_login",
            "date_joined",
        ]
        read_only_fields = fields


class StaffCreateSerializer(StrictSerializer):
    username = serializers.RegexField(r"^[\w.@+-]+\Z", max_length=150)
    role = serializers.ChoiceField(choices=Role.choices, required=False)
    teams = serializers.PrimaryKeyRelatedField(
        queryset=Team.objects.all(), many=True, required=False, help_text=_("Team ids.")
    )
    password = serializers.CharField(
        required=False, write_only=True, allow_blank=True, max_length=128, style={"input_type": "password"}
    )
    email = serializers.EmailField(required=False, allow_blank=True)
    display_name = serializers.CharField(max_length=100, required=False, allow_blank=True)
    language = serializers.ChoiceField(choices=settings.LANGUAGES, required=False)

    def validate(self, attrs):
        if attrs.get("password"):
            _check_password(attrs["password"], User(username=attrs["username"], email=attrs.get("email", "")))
        return attrs


def _check_password(password: str, user: User) -> None:
    try:
        validate_password(password, user)
    except DjangoValidationError as exc:
        raise serializers.ValidationError({"password": exc.messages}) from None


class StaffUpdateSerializer(StrictSerializer):
    role = serializers.ChoiceField(choices=Role.choices, required=False)
    teams = serializers.PrimaryKeyRelatedField(
        queryset=Team.objects.all(), many=True, required=False, help_text=_("Team ids.")
    )
    is_active = serializers.BooleanField(required=False)
    password = serializers.CharField(
        required=False, write_only=True, max_length=128, style={"input_type": "password"}
    )
    email = serializers.EmailField(required=False, allow_blank=True)
    display_name = serializers.CharField(max_length=100, required=False, allow_blank=True)
    language = serializers.ChoiceField(choices=settings.LANGUAGES, required=False)

    def validate(self, attrs):
        if attrs.get("password"):
            _check_password(attrs["password"], self.context["user"])
        return attrs


class TokenSerializer(serializers.ModelSerializer):
    is_valid = serializers.BooleanField(read_only=True)

    class Meta:
        model = ApiToken
        fields = ["id", "name", "prefix", "created_at", "expires_at", "last_used_at", "revoked", "is_valid"]
        read_only_fields = fields


class TokenCreatedSerializer(TokenSerializer):
    key = serializers.CharField(read_only=True, help_text=_("The secret key. It is shown only this once."))

    class Meta(TokenSerializer.Meta):
        fields = [*TokenSerializer.Meta.fields, "key"]
        read_only_fields = fields


class TokenInputSerializer(StrictSerializer):
    name = serializers.CharField(max_length=100, required=False, allow_blank=True)
    days = serializers.IntegerField(
        required=False,
        min_value=0,
        max_value=3650,
        help_text=_("Days until it expires; 0 never expires. Default: the site setting (365)."),
    )
