"""People, boards, schools, teams and who may do what where.

Tenancy lives here: every school-owned object can be reached only through
``School.objects.for_user(user)``; ``schools.tenancy`` builds on it for views.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any, ClassVar, cast

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from schools.signals import left_school

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create(self, email: str, password: str | None, **extra: Any) -> User:
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self._create(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A person; the e-mail address is the login."""

    class Language(models.TextChoices):
        DUTCH = "nl", "Nederlands"
        ENGLISH = "en", "English"

    email = models.EmailField(_("e-mail address"), unique=True)
    full_name = models.CharField(_("name"), max_length=150, blank=True)
    language = models.CharField(
        _("language"), max_length=2, choices=Language.choices, default=Language.DUTCH
    )
    is_active = models.BooleanField(_("active"), default=True)
    is_staff = models.BooleanField(_("staff status"), default=False)
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["full_name", "email"]

    def __str__(self) -> str:
        return self.full_name or self.email

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.email = self.email.strip().lower()
        super().save(*args, **kwargs)

    def get_full_name(self) -> str:
        return self.full_name or self.email

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email

    def memberships_in(self, school: School) -> models.QuerySet[Membership]:
        return Membership.objects.filter(user=self, school=school)

    def is_leader_of(self, school: School) -> bool:
        return School.objects.led_by(self).filter(pk=school.pk).exists()

    def details_belong_to(self, school: School) -> tuple[bool, bool]:
        """May a leader of ``school`` correct this person's (name, e-mail address)? The name
        when the person has (had) a role at ``school`` and nowhere else; the address, which is
        the login, only when besides they have never logged in and are not staff: otherwise
        the leader could take over an account that holds more than this school's business.
        A leading role, even at ``school``, is the back office's business."""
        alone = not (
            self.memberships.exclude(school=school, role=Membership.Role.TEACHER).exists()
            or self.departures.exclude(school=school).exists()
        )
        return alone, alone and self.last_login is None and not self.is_staff

    def is_board_admin(self) -> bool:
        return self.memberships.filter(role=Membership.Role.BOARD_ADMIN).exists()


def _unique_slug(model: type[models.Model], name: str, pk: int | None) -> str:
    base = slugify(name)[:40] or "x"
    slug, n = base, 2
    while model._default_manager.filter(slug=slug).exclude(pk=pk).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


class BoardQuerySet(models.QuerySet["Board"]):
    def administered_by(self, user: User | AnonymousUser) -> BoardQuerySet:
        if not user.is_authenticated:
            return self.none()
        return self.filter(
            memberships__user=user, memberships__role=Membership.Role.BOARD_ADMIN
        ).distinct()


class Board(models.Model):
    """A school board (schoolbestuur) that holds one or more schools."""

    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=50, unique=True, blank=True)

    objects = BoardQuerySet.as_manager()

    class Meta:
        verbose_name = _("board")
        verbose_name_plural = _("boards")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self.slug:
            self.slug = _unique_slug(Board, self.name, self.pk)
        super().save(*args, **kwargs)


class SchoolQuerySet(models.QuerySet["School"]):
    # Each check is a subquery on the person's own memberships (an index lookup), not a join
    # with OR across memberships and boards plus DISTINCT, which PostgreSQL could only answer
    # by scanning every membership (58 ms at 7,000 schools, on every page).
    def for_user(self, user: User | AnonymousUser) -> SchoolQuerySet:
        """Schools the user may see at all: any membership, or board admin of its board."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(
            Q(pk__in=Membership.objects.filter(user=user).values("school"))
            | Q(board__in=_boards_administered(user))
        )

    def where_leader(self, user: User | AnonymousUser) -> SchoolQuerySet:
        """Schools where the user is *the* school leader: only they read interview notes,
        not a facilitator or the board."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(
            pk__in=Membership.objects.filter(user=user, role=Membership.Role.LEADER).values(
                "school"
            )
        )

    def led_by(self, user: User | AnonymousUser) -> SchoolQuerySet:
        """Schools the user may run the cycle for: leader or facilitator, or board admin."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(
            Q(
                pk__in=Membership.objects.filter(
                    user=user, role__in=Membership.LEADING_ROLES
                ).values("school")
            )
            | Q(board__in=_boards_administered(user))
        )

    def reachable(self, user: User | AnonymousUser, slug: str, *, lead: bool) -> School | None:
        """The school with ``slug``, if the user may run its cycle (``lead``) or see it at
        all: the one tenancy check ``school_view`` makes on every request."""
        schools = self.led_by(user) if lead else self.for_user(user)
        return schools.filter(slug=slug).first()


def _boards_administered(user: User | AnonymousUser) -> models.QuerySet[Any]:
    # Only called for a logged-in person (the callers check first).
    return Membership.objects.filter(
        user=cast(User, user), role=Membership.Role.BOARD_ADMIN
    ).values("board")


# How long raw answers, interview notes and focus-group input are kept (AVG). Twelve months is
# the shortest a school can choose, so a round's interviews and focus group (which follow it
# within a school year) never lose their material halfway; five years is the longest, as no
# part of the cycle needs individual answers that long (the released figures are kept anyway).
RETENTION_MONTHS_DEFAULT = 24
RETENTION_MONTHS_MIN, RETENTION_MONTHS_MAX = 12, 60


class School(models.Model):
    class Region(models.TextChoices):
        NORTH = "noord", _("North")
        MIDDLE = "midden", _("Middle")
        SOUTH = "zuid", _("South")

    board = models.ForeignKey(
        Board,
        verbose_name=_("board"),
        on_delete=models.PROTECT,
        related_name="schools",
        null=True,
        blank=True,
    )
    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=50, unique=True, blank=True)
    region = models.CharField(
        _("holiday region"), max_length=6, choices=Region.choices, default=Region.MIDDLE
    )
    retention_months = models.PositiveSmallIntegerField(
        _("retention period in months"),
        default=RETENTION_MONTHS_DEFAULT,
        help_text=_(
            "After this many months, answers, interview notes and focus-group reactions are "
            "deleted; the released results stay."
        ),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = SchoolQuerySet.as_manager()

    class Meta:
        verbose_name = _("school")
        verbose_name_plural = _("schools")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    retention_months__gte=RETENTION_MONTHS_MIN,
                    retention_months__lte=RETENTION_MONTHS_MAX,
                ),
                name="school_retention_months_in_range",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self.slug:
            self.slug = _unique_slug(School, self.name, self.pk)
        super().save(*args, **kwargs)

    def teachers(self) -> models.QuerySet[User]:
        return User.objects.filter(
            memberships__school=self, memberships__role=Membership.Role.TEACHER
        ).distinct()

    def leading_people(self) -> models.QuerySet[User]:
        """Who runs the cycle here and reads its results: the school's leaders and
        facilitators, and the admins of its board. They are never invited to answer its
        rounds (``Round.audience_members``): one of them among the respondents would count
        towards the threshold and could then subtract their own answers from the figures."""
        leading = Q(school=self, role__in=Membership.LEADING_ROLES)
        if self.board_id is not None:
            leading |= Q(board_id=self.board_id, role=Membership.Role.BOARD_ADMIN)
        return User.objects.filter(pk__in=Membership.objects.filter(leading).values("user"))


class SchoolOwnedQuerySet(models.QuerySet[Any]):
    """Base QuerySet for anything that belongs to a school. Subclasses set ``school_path``
    when the school is not a direct ``school`` field."""

    school_path = "school"

    def for_school(self, school: School) -> SchoolOwnedQuerySet:
        return self.filter(**{self.school_path: school})

    def for_user(self, user: User | AnonymousUser) -> SchoolOwnedQuerySet:
        return self.filter(**{f"{self.school_path}__in": School.objects.for_user(user)})

    def led_by(self, user: User | AnonymousUser) -> SchoolOwnedQuerySet:
        return self.filter(**{f"{self.school_path}__in": School.objects.led_by(user)})


class Team(models.Model):
    school = models.ForeignKey(
        School, verbose_name=_("school"), on_delete=models.CASCADE, related_name="teams"
    )
    name = models.CharField(_("name"), max_length=100)

    objects = SchoolOwnedQuerySet.as_manager()

    class Meta:
        verbose_name = _("team")
        verbose_name_plural = _("teams")
        ordering = ["school", "name"]
        constraints = [
            models.UniqueConstraint(fields=["school", "name"], name="team_unique_name_per_school")
        ]

    def __str__(self) -> str:
        return self.name


class MembershipQuerySet(SchoolOwnedQuerySet):
    def teachers(self) -> MembershipQuerySet:
        return self.filter(role=Membership.Role.TEACHER)


class Membership(models.Model):
    """A role of a person at a school, or (board admin) at a board."""

    class Role(models.TextChoices):
        LEADER = "leader", _("School leader")
        TEACHER = "teacher", _("Teacher")
        FACILITATOR = "facilitator", _("Facilitator")
        BOARD_ADMIN = "board_admin", _("Board admin")

    LEADING_ROLES = (Role.LEADER, Role.FACILITATOR)

    user = models.ForeignKey(
        User, verbose_name=_("person"), on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=12, choices=Role.choices)
    school = models.ForeignKey(
        School,
        verbose_name=_("school"),
        on_delete=models.CASCADE,
        related_name="memberships",
        null=True,
        blank=True,
    )
    board = models.ForeignKey(
        Board,
        verbose_name=_("board"),
        on_delete=models.CASCADE,
        related_name="memberships",
        null=True,
        blank=True,
    )
    team = models.ForeignKey(
        Team,
        verbose_name=_("team"),
        on_delete=models.SET_NULL,
        related_name="memberships",
        null=True,
        blank=True,
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # Set when the welcome e-mail was claimed for sending; guards against sending it twice.
    invited_at = models.DateTimeField(_("invited at"), null=True, blank=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        ordering = ["school", "role", "user"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(role="board_admin", board__isnull=False, school__isnull=True)
                    | (~Q(role="board_admin") & Q(school__isnull=False, board__isnull=True))
                ),
                name="membership_board_admin_on_board_others_on_school",
            ),
            models.UniqueConstraint(
                fields=["user", "school", "role"],
                condition=Q(school__isnull=False),
                name="membership_unique_role_per_school",
            ),
            models.UniqueConstraint(
                fields=["user", "board"],
                condition=Q(board__isnull=False),
                name="membership_unique_per_board",
            ),
        ]

    def __str__(self) -> str:
        where = self.school or self.board
        return f"{self.user} · {self.get_role_display()} · {where}"


class Departure(models.Model):
    """A teacher who left a school: their teacher role there ended on ``left_on``.

    Leaving deletes the ``Membership`` and keeps this row instead, so every path that grants
    access, counts people or invites them (``SchoolQuerySet``, ``memberships__school`` joins,
    the navigation, the nudge scan) leaves the person out without a filter to remember.
    ``Departure.come_back`` turns it back into the membership it was (team, welcome e-mail).
    What the person did at the school stays: their answers are anonymous and counted where
    they were, and interviews about them stay the leader's (they point at the person)."""

    user = models.ForeignKey(
        User, verbose_name=_("person"), on_delete=models.CASCADE, related_name="departures"
    )
    school = models.ForeignKey(
        School, verbose_name=_("school"), on_delete=models.CASCADE, related_name="departures"
    )
    team = models.ForeignKey(
        Team,
        verbose_name=_("team"),
        on_delete=models.SET_NULL,
        related_name="+",
        null=True,
        blank=True,
    )
    left_on = models.DateField(_("left on"))
    # Carried over from the membership, so coming back sends no second welcome e-mail.
    invited_at = models.DateTimeField(_("invited at"), null=True, blank=True)

    objects = SchoolOwnedQuerySet.as_manager()

    class Meta:
        verbose_name = _("departure")
        verbose_name_plural = _("departures")
        ordering = ["school", "-left_on", "user"]
        constraints = [
            models.UniqueConstraint(fields=["user", "school"], name="departure_once_per_school")
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.school} · {self.left_on}"

    @classmethod
    def leave(cls, membership: Membership, *, on: date, now: datetime) -> Departure:
        """End a teacher's membership; the caller holds its row lock, so a double click
        leaves once. Apps above ``schools`` withdraw what the person was invited to
        (``schools.signals.left_school``), in the same transaction."""
        assert membership.role == Membership.Role.TEACHER and membership.school is not None
        departure = cls.objects.create(
            user=membership.user,
            school=membership.school,
            team=membership.team,
            left_on=on,
            invited_at=membership.invited_at,
        )
        membership.delete()
        left_school.send(sender=User, user=departure.user, school=departure.school, now=now)
        return departure

    def come_back(self) -> Membership:
        membership = Membership.objects.create(
            user=self.user,
            school=self.school,
            role=Membership.Role.TEACHER,
            team=self.team,
            invited_at=self.invited_at,
        )
        self.delete()
        return membership


class AuditEntry(models.Model):
    """Who opened something private, and when (AVG): interview notes, a prepared difficult
    conversation, a reflection log. Written on reading, so the back office can answer "who has
    seen the notes about me?". Read-only in the admin."""

    class Action(models.TextChoices):
        INTERVIEW = "interview", _("opened an interview and its notes")
        CONVERSATION = "conversation", _("opened a prepared conversation")
        REFLECTIONS = "reflections", _("opened their reflection log")
        PERSON_CHANGED = "person_changed", _("changed a teacher's name, e-mail or team")
        PERSON_LEFT = "person_left", _("marked a teacher as left")
        PERSON_RETURNED = "person_returned", _("put a teacher who had left back")

    at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        User, verbose_name=_("who"), on_delete=models.SET_NULL, null=True, related_name="+"
    )
    school = models.ForeignKey(
        School, verbose_name=_("school"), on_delete=models.CASCADE, related_name="+"
    )
    action = models.CharField(_("what"), max_length=20, choices=Action.choices)
    object_id = models.PositiveBigIntegerField(_("object"), null=True, blank=True)

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit log")
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor} {self.action} {self.object_id or ''}"


def audit(actor: User, school: School, action: str, object_id: int | None = None) -> None:
    AuditEntry.objects.create(actor=actor, school=school, action=action, object_id=object_id)


# Single sign-on (docs/sso.md): which providers a board's people sign in with, and which e-mail
# domains are the board's. The adapter in schools/sso.py applies the rules.


class SignInProvider(models.Model):
    """A way the people of a board sign in with the account their school already gave them
    (Microsoft 365, Google Workspace, Entree Federatie or another OpenID Connect provider).
    The client id and secret live in allauth's ``SocialApp`` in the database, never in the
    repository; this row says whose it is."""

    board = models.ForeignKey(
        Board,
        verbose_name=_("board"),
        on_delete=models.CASCADE,
        related_name="sign_in_providers",
    )
    app = models.OneToOneField(
        "socialaccount.SocialApp",
        verbose_name=_("provider (client id and secret)"),
        on_delete=models.CASCADE,
        related_name="sign_in",
    )
    trusts_provider_mfa = models.BooleanField(
        _("trust the provider's two-factor authentication"),
        default=False,
        help_text=_(
            "Only when the provider itself asks every board admin for a second factor: they "
            "then skip dialoog's own two-factor step when they sign in this way."
        ),
    )

    class Meta:
        verbose_name = _("sign-in provider")
        verbose_name_plural = _("sign-in providers")
        ordering = ["board", "app__name"]

    def __str__(self) -> str:
        return f"{self.app.name} · {self.board}"


domain_validator = RegexValidator(
    r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,62}$",
    _("Enter a domain such as school.nl, without @ or http."),
)


class DomainField(models.CharField):
    """A domain as typed (" @School.NL ") kept as the address has it after the @."""

    def to_python(self, value: Any) -> Any:
        value = super().to_python(value)
        return value.strip().lower().lstrip("@") if isinstance(value, str) else value


class BoardDomain(models.Model):
    """An e-mail domain of a board (the part after the @). A board's providers sign in only
    addresses at its own domains, and a domain belongs to one board at most."""

    board = models.ForeignKey(
        Board, verbose_name=_("board"), on_delete=models.CASCADE, related_name="domains"
    )
    domain = DomainField(_("e-mail domain"), max_length=253, validators=[domain_validator])

    class Meta:
        verbose_name = _("e-mail domain")
        verbose_name_plural = _("e-mail domains")
        ordering = ["domain"]
        constraints = [
            models.UniqueConstraint(fields=["domain"], name="board_domain_unique"),
            models.CheckConstraint(
                condition=Q(domain=models.functions.Lower("domain")),
                name="board_domain_lower_case",
            ),
        ]

    def __str__(self) -> str:
        return self.domain
