"""Forms of the privacy pages: they parse and check input; the services do the work."""

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.forms import PasswordConfirmMixin
from privacy.models import DataRightsApproval

# The word to type, in English and in the visitor's language (either is accepted).
CONFIRM_WORD = "DELETE"


def confirm_word() -> str:
    return gettext("DELETE")


class _TypedConfirmation(forms.Form):
    confirmation = forms.CharField(label=_("Type the word shown above to confirm"), max_length=40)

    def clean_confirmation(self) -> str:
        value = self.cleaned_data["confirmation"].strip().upper()
        if value not in {CONFIRM_WORD, confirm_word().upper()}:
            raise forms.ValidationError(_("Type %(word)s, in capitals, to confirm.") % {"word": confirm_word()})
        return value


class AccountDeleteForm(PasswordConfirmMixin, _TypedConfirmation):
    field_order = ["password", "confirmation"]


class StaffReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("For example: the customer asked by phone on 3 March, call reference 1234."),
    )


class StaffEraseForm(StaffReasonForm, _TypedConfirmation):
    field_order = ["reason", "confirmation"]


class ApprovalRequestForm(StaffReasonForm):
    """An agent asks a supervisor for a customer's export or erasure (four eyes)."""

    kind = forms.ChoiceField(label=_("What should be done"), choices=(), widget=forms.RadioSelect)
    field_order = ["kind", "reason"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = DataRightsApproval.Kind.choices


class ApprovalDecisionForm(forms.Form):
    """A supervisor approves or refuses an agent's request, saying why; approving an erasure also needs
    the typed confirmation, as when a supervisor erases directly."""

    APPROVE, REFUSE = "approve", "refuse"
    decision = forms.ChoiceField(
        label=_("Your decision"),
        choices=[(APPROVE, _("Approve: do it now")), (REFUSE, _("Refuse"))],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(label=_("Reason for the decision"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2}))
    confirmation = forms.CharField(
        label=_("To approve an erasure, type the word shown above"), max_length=40, required=False
    )

    def __init__(self, *args, kind: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind = kind
        if kind != DataRightsApproval.Kind.ERASURE:
            del self.fields["confirmation"]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("decision") == self.APPROVE and self.kind == DataRightsApproval.Kind.ERASURE:
            value = (cleaned.get("confirmation") or "").strip().upper()
            if value not in {CONFIRM_WORD, confirm_word().upper()}:
                self.add_error("confirmation", _("Type %(word)s, in capitals, to confirm.") % {"word": confirm_word()})
        return cleaned
