"""Forms of the privacy pages: they parse and check input; the services do the work."""

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.forms import PasswordConfirmMixin

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
