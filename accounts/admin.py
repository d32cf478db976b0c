"""People in the admin. Supervisors look accounts up; only superusers (accounts.manage_staff, which no
role has) change staff accounts, roles and superuser status, each change recorded (RoleChange). No one
sets another person's password: there is no password form, and superusers send a reset link instead.
Django's UserAdmin, as it comes, lets anyone with change_user make themselves superuser."""

from allauth.account.forms import ResetPasswordForm
from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts.models import RoleChange, User
from accounts.roles import STAFF_ROLES, can_manage_staff, user_roles
from accounts.services import user_access_change

ACCESS_FIELDS = ("is_staff", "is_superuser", "groups")


class UserAddForm(forms.ModelForm):
    """A new account has an email and no password: its owner sets one through a reset link."""

    class Meta:
        model = User
        fields = ("email",)

    def clean_email(self) -> str:
        email = User.objects.normalize_email(self.cleaned_data["email"]).lower()
        if User.objects.filter(email__iexact=email).exists():
            raise forms.ValidationError(_("An account with this email address already exists."))
        return email

    def save(self, commit: bool = True) -> User:
        user = super().save(commit=False)
        user.set_unusable_password()
        if commit:
            user.save()
        return user

    def save_m2m(self) -> None:  # the admin calls it after save(commit=False)
        pass


class UserEditForm(forms.ModelForm):
    """Django's UserChangeForm without its password field (and the link to the password form)."""

    class Meta:
        model = User
        fields = ("email", "first_name", "last_name", "is_active", *ACCESS_FIELDS)


def _privileged(user: User) -> bool:
    """Staff, a superuser or someone with a staff role: their account is for superusers to change."""
    return bool(user.is_staff or user.is_superuser or user_roles(user) & set(STAFF_ROLES))


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    form = UserEditForm
    add_form = UserAddForm
    ordering = ("email",)
    list_display = ("email", "first_name", "last_name", "is_staff", "is_active", "date_joined")
    search_fields = ("email", "first_name", "last_name")
    fieldsets = (
        (None, {"fields": ("email",)}),
        (_("Personal info"), {"fields": ("first_name", "last_name")}),
        (_("Permissions"), {"fields": ("is_active", *ACCESS_FIELDS)}),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email",)}),)
    filter_horizontal = ()
    actions = ["send_password_reset_link"]

    def get_readonly_fields(self, request, obj=None):
        readonly = ["last_login", "date_joined"]
        if not can_manage_staff(request.user):
            # Whoever else may change an account (a deployment that grants change_user) changes
            # names and the active flag only: an email change would let them take the account over.
            readonly += ["email", *ACCESS_FIELDS]
        return readonly

    def has_add_permission(self, request):
        return super().has_add_permission(request) and can_manage_staff(request.user)

    def has_change_permission(self, request, obj=None):
        if not super().has_change_permission(request, obj):
            return False
        return obj is None or can_manage_staff(request.user) or not _privileged(obj)

    def has_delete_permission(self, request, obj=None):
        if not super().has_delete_permission(request, obj):
            return False
        return obj is None or can_manage_staff(request.user) or not _privileged(obj)

    def user_change_password(self, request, id, form_url=""):
        # Nobody sets another person's password, superusers included: they send a reset link.
        raise PermissionDenied

    def get_actions(self, request):
        actions = super().get_actions(request)
        if not can_manage_staff(request.user):
            actions.pop("send_password_reset_link", None)
        return actions

    @admin.action(description=_("Send a password reset link"))
    def send_password_reset_link(self, request, queryset):
        if not can_manage_staff(request.user):
            raise PermissionDenied
        sent = 0
        for user in queryset.filter(is_active=True):
            form = ResetPasswordForm(data={"email": user.email})
            if form.is_valid():
                form.save(request)
                sent += 1
        self.message_user(
            request,
            ngettext("%(count)d reset link sent.", "%(count)d reset links sent.", sent) % {"count": sent},
            messages.SUCCESS,
        )

    def save_model(self, request, obj, form, change):
        # Roles and flags go through accounts.services (recorded), not through the form's save.
        flags = [flag for flag in ("is_staff", "is_superuser") if flag in form.cleaned_data]
        if can_manage_staff(request.user):
            request._access_wanted = {flag: form.cleaned_data[flag] for flag in flags}
        for flag in flags:  # as they were; user_access_change sets them
            setattr(obj, flag, form.initial.get(flag, False) if change else False)
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        groups = form.cleaned_data.pop("groups", None)
        super().save_related(request, form, formsets, change)
        wanted = getattr(request, "_access_wanted", None)
        if wanted is None:
            return
        user_access_change(
            user=form.instance,
            actor=request.user,
            source=RoleChange.Source.ADMIN,
            roles={group.name for group in groups} if groups is not None else None,
            **wanted,
        )


@admin.register(RoleChange)
class RoleChangeAdmin(admin.ModelAdmin):
    """The record of role changes: read only, for superusers."""

    list_display = ("changed_at", "actor_email", "user", "what", "old_value", "new_value", "source")
    list_filter = ("what", "source")
    search_fields = ("actor_email", "user__email")
    list_select_related = ("user",)

    def has_module_permission(self, request):
        return can_manage_staff(request.user)

    def has_view_permission(self, request, obj=None):
        return can_manage_staff(request.user)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
