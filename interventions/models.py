"""The article's model as data: four themes, the interventions of Tabel 1 and the five
recommendations (Aanbevelingen). The catalogue rows come from a data migration; a school may
add interventions of its own, which only that school sees."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from modeltranslation.manager import MultilingualManager

from schools.models import School, User


class Theme(models.Model):
    class Kind(models.TextChoices):
        # The central theme is the "how" (the way we hold the professional dialogue);
        # the three topics are the "why" (what the dialogue is needed for).
        CENTRAL = "central", _("Central theme")
        TOPIC = "topic", _("Topic (the why)")

    number = models.PositiveSmallIntegerField(_("number"), unique=True)
    slug = models.SlugField(_("slug"), unique=True)
    kind = models.CharField(_("kind"), max_length=7, choices=Kind.choices)
    # Translated (interventions/translation.py): stored as name_nl and name_en, and so on.
    name = models.CharField(_("name"), max_length=100)
    summary = models.TextField(_("summary"), blank=True)
    name_nl: str
    name_en: str
    summary_nl: str
    summary_en: str

    objects: MultilingualManager[Theme] = MultilingualManager()

    class Meta:
        verbose_name = _("theme")
        verbose_name_plural = _("themes")
        ordering = ["number"]
        constraints = [
            models.CheckConstraint(
                condition=Q(number__gte=1, number__lte=4), name="theme_number_1_to_4"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number}. {self.name}"

    def is_central(self) -> bool:
        return self.kind == self.Kind.CENTRAL

    def get_absolute_url(self) -> str:
        return reverse("interventions:theme", kwargs={"slug": self.slug})


class Recommendation(models.Model):
    number = models.PositiveSmallIntegerField(_("number"), unique=True)
    # Translated (interventions/translation.py).
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"), blank=True)
    title_nl: str
    title_en: str
    body_nl: str
    body_en: str

    objects: MultilingualManager[Recommendation] = MultilingualManager()

    class Meta:
        verbose_name = _("recommendation")
        verbose_name_plural = _("recommendations")
        ordering = ["number"]
        constraints = [
            models.CheckConstraint(
                condition=Q(number__gte=1, number__lte=5), name="recommendation_number_1_to_5"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number}. {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("interventions:recommendation", kwargs={"number": self.number})


class InterventionQuerySet(models.QuerySet["Intervention"]):
    def for_school(self, school: School) -> InterventionQuerySet:
        """A school's own interventions (the catalogue rows belong to nobody)."""
        return self.filter(school=school)

    def catalogue(self) -> InterventionQuerySet:
        return self.filter(school__isnull=True)

    def visible_to(self, school: School | None) -> InterventionQuerySet:
        """The catalogue plus, for a school, its own interventions."""
        if school is None:
            return self.catalogue()
        return self.filter(Q(school__isnull=True) | Q(school=school))

    # Tenancy: only the school's own additions are school-owned.
    def for_user(self, user: Any) -> InterventionQuerySet:
        return self.filter(Q(school__isnull=True) | Q(school__in=School.objects.for_user(user)))


class Intervention(models.Model):
    """One line of Tabel 1: "De schoolleider ..." followed by ``text``."""

    theme = models.ForeignKey(
        Theme, verbose_name=_("theme"), on_delete=models.PROTECT, related_name="interventions"
    )
    number = models.PositiveSmallIntegerField(_("number"))
    # Translated (interventions/translation.py).
    text = models.TextField(_("text"))
    text_nl: str
    text_en: str
    recommendations = models.ManyToManyField(
        Recommendation,
        verbose_name=_("recommendations"),
        related_name="interventions",
        blank=True,
    )
    # Null for the article's catalogue; set for an intervention a school added itself.
    school = models.ForeignKey(
        School,
        verbose_name=_("school"),
        on_delete=models.CASCADE,
        related_name="own_interventions",
        null=True,
        blank=True,
    )
    created_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = MultilingualManager.from_queryset(InterventionQuerySet)()

    class Meta:
        verbose_name = _("intervention")
        verbose_name_plural = _("interventions")
        ordering = ["theme__number", "school_id", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["theme", "number"],
                condition=Q(school__isnull=True),
                name="intervention_unique_number_in_catalogue",
            ),
            models.UniqueConstraint(
                fields=["theme", "school", "number"],
                condition=Q(school__isnull=False),
                name="intervention_unique_number_per_school",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.text}"

    @property
    def code(self) -> str:
        """ "2.4" for the catalogue, "2.E1" for a school's own."""
        prefix = "E" if self.school_id else ""
        return f"{self.theme.number}.{prefix}{self.number}"

    def is_own(self) -> bool:
        return self.school_id is not None
