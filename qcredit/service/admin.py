"""Django's admin for administrators: users and their roles; tokens and the audit log read-only."""

from django.contrib import admin

from qcredit.service.models import ApiToken, AuditEntry, Profile


@admin.register(Profile)
class ProfileAdmin(admin.ModelAdmin):
    list_display = ("user", "role", "province")
    list_filter = ("role", "province")


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("user", "created", "revoked")
    readonly_fields = ("user", "digest", "created")

    def has_add_permission(self, request) -> bool:  # tokens are issued by `qcredit user token`
        return False


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ("at", "username", "uscc", "as_of", "endpoint", "client_address")
    list_filter = ("endpoint",)
    search_fields = ("username", "uscc")

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
