"""Console configuration: the reason codes an agent picks when changing a setting for a customer."""

from django.db import models
from django.utils import translation
from django.utils.translation import gettext_lazy as _


class ReasonCode(models.Model):
    """Why an agent changed a customer's setting; recorded on the consent event. Supervisors edit them."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    label_fr = models.CharField(_("label (French)"), max_length=150)
    label_en = models.CharField(_("label (English)"), max_length=150)
    is_active = models.BooleanField(_("active"), default=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["order", "code"]
        verbose_name = _("reason code")
        verbose_name_plural = _("reason codes")

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        language = (translation.get_language() or "fr")[:2]
        return self.label_en if language == "en" and self.label_en else self.label_fr
