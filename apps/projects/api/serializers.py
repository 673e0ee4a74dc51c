from rest_framework import serializers

from apps.projects.models import Label, Membership, Project, Role


class ProjectSerializer(serializers.ModelSerializer):
    role = serializers.SerializerMethodField()
    # not read_only, so the schema does not mark it required (a new project has none)
    image_count = serializers.IntegerField(required=False)

    class Meta:
        model = Project
        fields = ["id", "name", "description", "created_at", "role", "image_count"]
        read_only_fields = ["id", "created_at"]

    def get_role(self, project: Project) -> str | None:
        roles = self.context.get("roles", {})
        role = roles.get(project.pk)
        return Role(role).label if role else None


class ProjectInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True, default="")


class ProjectPatchSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200, required=False)
    description = serializers.CharField(required=False, allow_blank=True)


class LabelSerializer(serializers.ModelSerializer):
    class Meta:
        model = Label
        fields = ["id", "name", "color", "hotkey"]
        read_only_fields = ["id"]
        validators = []  # uniqueness is checked by the service, which answers 409


class LabelInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    color = serializers.RegexField(r"^#[0-9a-fA-F]{6}$", required=False)
    hotkey = serializers.RegexField(r"^[0-9a-zA-Z]?$", required=False, allow_blank=True)


class MemberSerializer(serializers.ModelSerializer):
    username = serializers.CharField(source="user.username", read_only=True)
    user_id = serializers.IntegerField(read_only=True)
    role = serializers.SerializerMethodField()

    class Meta:
        model = Membership
        fields = ["id", "user_id", "username", "role", "created_at"]

    def get_role(self, membership: Membership) -> str:
        return Role(membership.role).label


ROLE_NAMES = [role.label for role in Role]


class MemberInputSerializer(serializers.Serializer):
    username = serializers.CharField()
    role = serializers.ChoiceField(choices=ROLE_NAMES, default="annotator")


class MemberPatchSerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=ROLE_NAMES)
