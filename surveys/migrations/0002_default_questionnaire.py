"""The default questionnaire: "Professionele dialoog in ons team".

Written from the article's model (Ilgen, 2019; docs/model.md). The theme statements come from
the interventions of Tabel 1, turned into things a teacher can judge about the team and the
school leader; the comment above each statement names the intervention(s) it stands for. The
climate block comes from the warning sign ("niet alles wordt meer gezegd") and Derksen's (2018)
description of flow versus talking past each other.

Every statement also has the leader's version: the same statement as the leader's estimate of
how the team sees it, so the two can be compared.

Frozen here on purpose: later edits happen in the admin (and reach rounds through a new frozen
version), not by changing this migration.
"""

from django.db import migrations

NAME_NL = "Professionele dialoog in ons team"
NAME_EN = "Professional dialogue in our team"

INTRO_NL = (
    "Deze vragenlijst gaat over de professionele dialoog in ons team: hoe we met elkaar praten "
    "over ons vak en over hoe we het nog beter kunnen doen. Invullen duurt ongeveer 10 minuten.\n"
    "\n"
    "Je antwoorden zijn anoniem. Ze worden alleen getoond samen met die van genoeg collega's, "
    "nooit los.\n"
    "\n"
    "Geef bij elke uitspraak aan in hoeverre je het ermee eens bent. Kun je een uitspraak niet "
    "beoordelen? Kies dan 'weet ik niet'."
)
INTRO_EN = (
    "This questionnaire is about the professional dialogue in our team: how we talk with each "
    "other about our work and about how we can do it even better. It takes about 10 minutes.\n"
    "\n"
    "Your answers are anonymous. They are only ever shown together with those of enough "
    "colleagues, never on their own.\n"
    "\n"
    "For each statement, indicate how much you agree with it. If you cannot judge a statement, "
    "choose 'don't know'."
)

# Per theme number: (text_nl, text_en, leader_text_nl, leader_text_en, reverse_scored).
# The order in each list is the order in the questionnaire.
THEME_ITEMS = {
    # 1. De professionele dialoog
    1: [
        # 1.1
        (
            "In ons team bespreken we hoe we het gesprek met elkaar voeren.",
            "In our team we talk about how we talk with each other.",
            "Mijn team vindt dat we in het team bespreken hoe we het gesprek met elkaar voeren.",
            "My team feels that in the team we talk about how we talk with each other.",
            False,
        ),
        # 1.1, 1.2
        (
            "De schoolleider zet het gesprek over ons vak regelmatig op de agenda.",
            "The school leader regularly puts conversations about our work on the agenda.",
            "Mijn team vindt dat ik het gesprek over ons vak regelmatig op de agenda zet.",
            "My team feels that I regularly put conversations about our work on the agenda.",
            False,
        ),
        # 1.3
        (
            "In ons team geven we elkaar feedback op ons werk.",
            "In our team we give each other feedback on our work.",
            "Mijn team vindt dat we elkaar in het team feedback geven op ons werk.",
            "My team feels that in the team we give each other feedback on our work.",
            False,
        ),
        # 1.3, 1.4
        (
            "De schoolleider maakt tijd vrij om als team te oefenen met feedback geven.",
            "The school leader makes time for us to practise giving feedback as a team.",
            "Mijn team vindt dat ik tijd vrijmaak om als team te oefenen met feedback geven.",
            "My team feels that I make time for us to practise giving feedback as a team.",
            False,
        ),
        # 1.5
        (
            "De schoolleider vraagt ons om feedback.",
            "The school leader asks us for feedback.",
            "Mijn team vindt dat ik hen om feedback vraag.",
            "My team feels that I ask them for feedback.",
            False,
        ),
        # 1.6
        (
            "In ons team is duidelijk waar de grens ligt tussen professioneel en persoonlijk.",
            "In our team it is clear where the line lies between the professional and the "
            "personal.",
            "Mijn team vindt dat in het team duidelijk is waar de grens ligt tussen professioneel "
            "en persoonlijk.",
            "My team feels that in the team it is clear where the line lies between the "
            "professional and the personal.",
            False,
        ),
        # 1.7
        (
            "We hebben als team afspraken gemaakt over hoe we met elkaar in gesprek gaan.",
            "As a team we have made agreements about how we talk with each other.",
            "Mijn team vindt dat we als team afspraken hebben gemaakt over hoe we met elkaar in "
            "gesprek gaan.",
            "My team feels that as a team we have made agreements about how we talk with each "
            "other.",
            False,
        ),
    ],
    # 2. Professionele ontwikkeling
    2: [
        # 2.1
        (
            "In ons team is er ruimte om je verder te ontwikkelen in je vak.",
            "In our team there is room to keep developing in your profession.",
            "Mijn team vindt dat er in het team ruimte is om je verder te ontwikkelen in je vak.",
            "My team feels that in the team there is room to keep developing in your profession.",
            False,
        ),
        # 2.2
        (
            "De schoolleider geeft ruimte aan nieuwe ideeën van leerkrachten.",
            "The school leader makes room for teachers' new ideas.",
            "Mijn team vindt dat ik ruimte geef aan nieuwe ideeën van leerkrachten.",
            "My team feels that I make room for teachers' new ideas.",
            False,
        ),
        # 2.3 (reverse: agreeing means the balance is lost)
        (
            "Er lopen op onze school te veel ontwikkelingen tegelijk.",
            "Too many developments are going on at the same time at our school.",
            "Mijn team vindt dat er op onze school te veel ontwikkelingen tegelijk lopen.",
            "My team feels that too many developments are going on at the same time at our school.",
            True,
        ),
        # 2.4
        (
            "In teamvergaderingen delen we onze kennis met elkaar.",
            "In team meetings we share our expertise with each other.",
            "Mijn team vindt dat we in teamvergaderingen onze kennis met elkaar delen.",
            "My team feels that in team meetings we share our expertise with each other.",
            False,
        ),
        # 2.5
        (
            "De schoolleider moedigt ons aan om met collega's te praten over nieuwe "
            "ontwikkelingen.",
            "The school leader encourages us to talk with colleagues about new developments.",
            "Mijn team vindt dat ik hen aanmoedig om met collega's te praten over nieuwe "
            "ontwikkelingen.",
            "My team feels that I encourage them to talk with colleagues about new developments.",
            False,
        ),
        # 2.6
        (
            "Het is voor ons team duidelijk aan welke gezamenlijke doelen we werken.",
            "It is clear to our team which shared goals we are working on.",
            "Mijn team vindt dat het duidelijk is aan welke gezamenlijke doelen we werken.",
            "My team feels that it is clear which shared goals we are working on.",
            False,
        ),
        # 2.6
        (
            "Mijn eigen ontwikkeling sluit aan bij de doelen van de school.",
            "My own development fits in with the goals of the school.",
            "Mijn team vindt dat ieders eigen ontwikkeling aansluit bij de doelen van de school.",
            "My team feels that each person's own development fits in with the goals of the "
            "school.",
            False,
        ),
        # 2.7
        (
            "We bespreken als team regelmatig hoe het gaat met onze doelen.",
            "As a team we regularly discuss how we are doing on our goals.",
            "Mijn team vindt dat we als team regelmatig bespreken hoe het gaat met onze doelen.",
            "My team feels that as a team we regularly discuss how we are doing on our goals.",
            False,
        ),
    ],
    # 3. Collectief leren
    3: [
        # 3.1
        (
            "In ons team kunnen we ook praten over hoe we met elkaar omgaan.",
            "In our team we can also talk about how we get along with each other.",
            "Mijn team vindt dat we in het team ook kunnen praten over hoe we met elkaar omgaan.",
            "My team feels that in the team we can also talk about how we get along with each "
            "other.",
            False,
        ),
        # 3.2
        (
            "De schoolleider maakt spanningen in het team bespreekbaar.",
            "The school leader makes it possible to discuss tensions in the team.",
            "Mijn team vindt dat ik spanningen in het team bespreekbaar maak.",
            "My team feels that I make it possible to discuss tensions in the team.",
            False,
        ),
        # 3.3
        (
            "De schoolleider helpt als ik een lastig gesprek met een collega wil aangaan.",
            "The school leader helps when I want to have a difficult conversation with a "
            "colleague.",
            "Mijn team vindt dat ik help als iemand een lastig gesprek met een collega wil "
            "aangaan.",
            "My team feels that I help when someone wants to have a difficult conversation with "
            "a colleague.",
            False,
        ),
        # 3.4
        (
            "Ik kan bij de schoolleider terecht voor een luisterend oor.",
            "I can turn to the school leader when I need someone to listen.",
            "Mijn team vindt dat ze bij mij terechtkunnen voor een luisterend oor.",
            "My team feels that they can turn to me when they need someone to listen.",
            False,
        ),
        # 3.5
        (
            "In ons team mogen emoties er zijn als we over ons werk praten.",
            "In our team there is room for emotions when we talk about our work.",
            "Mijn team vindt dat emoties er in het team mogen zijn als we over ons werk praten.",
            "My team feels that in the team there is room for emotions when we talk about our "
            "work.",
            False,
        ),
        # 3.6
        (
            "We staan als team regelmatig samen stil bij hoe het gaat in ons team.",
            "As a team we regularly take time together to reflect on how things are going in "
            "our team.",
            "Mijn team vindt dat we als team regelmatig samen stilstaan bij hoe het gaat in het "
            "team.",
            "My team feels that as a team we regularly take time together to reflect on how "
            "things are going in the team.",
            False,
        ),
    ],
    # 4. Professionele leergemeenschap
    4: [
        # 4.1
        (
            "Als er iets persoonlijks speelt tussen collega's, praten we dat eerst uit.",
            "When something personal is going on between colleagues, we talk it through first.",
            "Mijn team vindt dat we, als er iets persoonlijks speelt tussen collega's, dat eerst "
            "uitpraten.",
            "My team feels that when something personal is going on between colleagues, we talk "
            "it through first.",
            False,
        ),
        # 4.2
        (
            "De schoolleider merkt het op als er spanning in het team is.",
            "The school leader notices when there is tension in the team.",
            "Mijn team vindt dat ik het opmerk als er spanning in het team is.",
            "My team feels that I notice when there is tension in the team.",
            False,
        ),
        # 4.3
        (
            "De schoolleider maakt duidelijk wat er van ons verwacht wordt.",
            "The school leader makes clear what is expected of us.",
            "Mijn team vindt dat ik duidelijk maak wat er van hen verwacht wordt.",
            "My team feels that I make clear what is expected of them.",
            False,
        ),
        # 4.3
        (
            "De schoolleider geeft ons de ruimte om onze mening over het onderwijs te geven.",
            "The school leader gives us room to give our views on our teaching.",
            "Mijn team vindt dat ik hen de ruimte geef om hun mening over het onderwijs te geven.",
            "My team feels that I give them room to give their views on our teaching.",
            False,
        ),
        # 4.4
        (
            "In ons team praten we openlijk over verschillen van mening.",
            "In our team we talk openly about differences of opinion.",
            "Mijn team vindt dat we in het team openlijk praten over verschillen van mening.",
            "My team feels that in the team we talk openly about differences of opinion.",
            False,
        ),
        # 4.5
        (
            "De schoolleider benoemt regelmatig wat hem of haar in het team opvalt.",
            "The school leader regularly points out what they notice in the team.",
            "Mijn team vindt dat ik regelmatig benoem wat me in het team opvalt.",
            "My team feels that I regularly point out what I notice in the team.",
            False,
        ),
        # 4.6
        (
            "Als het schuurt tussen collega's, brengt de schoolleider hen met elkaar in gesprek.",
            "When there is friction between colleagues, the school leader gets them talking to "
            "each other.",
            "Mijn team vindt dat ik collega's met elkaar in gesprek breng als het tussen hen "
            "schuurt.",
            "My team feels that I get colleagues talking to each other when there is friction "
            "between them.",
            False,
        ),
    ],
}

# The dialogue climate: the warning sign and Derksen's (2018) flow.
CLIMATE_ITEMS = [
    # "Alles kan gezegd worden" (the good school before the kinks)
    (
        "In ons team kan alles gezegd worden.",
        "In our team, anything can be said.",
        "Mijn team vindt dat in het team alles gezegd kan worden.",
        "My team feels that anything can be said in the team.",
        False,
    ),
    # Derksen: feeling (not) heard
    (
        "Ik voel me gehoord in ons team.",
        "I feel heard in our team.",
        "Mijn teamleden voelen zich gehoord in het team.",
        "The members of my team feel heard in the team.",
        False,
    ),
    # Derksen: picking up each other's ideas and building on them
    (
        "In ons team bouwen we voort op elkaars ideeën.",
        "In our team we build on each other's ideas.",
        "Mijn team vindt dat we in het team voortbouwen op elkaars ideeën.",
        "My team feels that in the team we build on each other's ideas.",
        False,
    ),
    # The warning sign: "Niet alles wordt meer gezegd!"
    (
        "Er blijven in ons team dingen onuitgesproken.",
        "In our team, some things are left unsaid.",
        "Mijn team vindt dat er in het team dingen onuitgesproken blijven.",
        "My team feels that some things are left unsaid in the team.",
        True,
    ),
    # Derksen: talking past each other
    (
        "In ons team praten we vaak langs elkaar heen.",
        "In our team we often talk past each other.",
        "Mijn team vindt dat we in het team vaak langs elkaar heen praten.",
        "My team feels that in the team we often talk past each other.",
        True,
    ),
    # Derksen: energy, flow
    (
        "Onze gesprekken over het werk geven me energie.",
        "Our conversations about work give me energy.",
        "Mijn teamleden krijgen energie van onze gesprekken over het werk.",
        "The members of my team get energy from our conversations about work.",
        False,
    ),
]

# Per (theme, order): the Tabel 1 interventions a statement was written from (see the
# comments above); the results use them to suggest what to do about a low or split item.
ITEM_INTERVENTIONS = {
    (1, 1): ('1.1',),
    (1, 2): ('1.1', '1.2'),
    (1, 3): ('1.3',),
    (1, 4): ('1.3', '1.4'),
    (1, 5): ('1.5',),
    (1, 6): ('1.6',),
    (1, 7): ('1.7',),
    (2, 1): ('2.1',),
    (2, 2): ('2.2',),
    (2, 3): ('2.3',),
    (2, 4): ('2.4',),
    (2, 5): ('2.5',),
    (2, 6): ('2.6',),
    (2, 7): ('2.6',),
    (2, 8): ('2.7',),
    (3, 1): ('3.1',),
    (3, 2): ('3.2',),
    (3, 3): ('3.3',),
    (3, 4): ('3.4',),
    (3, 5): ('3.5',),
    (3, 6): ('3.6',),
    (4, 1): ('4.1',),
    (4, 2): ('4.2',),
    (4, 3): ('4.3',),
    (4, 4): ('4.3',),
    (4, 5): ('4.4',),
    (4, 6): ('4.5',),
    (4, 7): ('4.6',),
}

# Climate statements that the signals recognise (surveys.signals).
CLIMATE_KEYS = {1: "all_can_be_said", 2: "feel_heard", 3: "build_on_ideas", 4: "left_unsaid", 5: "talk_past", 6: "energy"}

OPEN_QUESTIONS = [
    (
        "Wat gaat er goed in hoe we in ons team met elkaar praten?",
        "What goes well in the way we talk with each other in our team?",
    ),
    (
        "Wat wordt er in ons team niet gezegd, of wat zou je graag willen kunnen zeggen?",
        "What is not being said in our team, or what would you like to be able to say?",
    ),
    (
        "Wat zou jou of het team helpen om het gesprek over ons vak beter te voeren?",
        "What would help you or the team to have better conversations about our work?",
    ),
]


def _item(template, block, theme, order, row):
    text_nl, text_en, leader_text_nl, leader_text_en, reverse_scored = row
    return {
        "template": template,
        "block": block,
        "theme": theme,
        "order": order,
        "text_nl": text_nl,
        "text_en": text_en,
        "leader_text_nl": leader_text_nl,
        "leader_text_en": leader_text_en,
        "reverse_scored": reverse_scored,
    }


def load(apps, schema_editor):
    QuestionnaireTemplate = apps.get_model("surveys", "QuestionnaireTemplate")
    TemplateItem = apps.get_model("surveys", "TemplateItem")
    TemplateOpenQuestion = apps.get_model("surveys", "TemplateOpenQuestion")
    Theme = apps.get_model("interventions", "Theme")

    template, created = QuestionnaireTemplate.objects.get_or_create(
        name_nl=NAME_NL,
        defaults={"name_en": NAME_EN, "intro_nl": INTRO_NL, "intro_en": INTRO_EN},
    )
    # Already there (run before, or made by hand): leave its content alone, never duplicate it.
    if not created and (template.items.exists() or template.open_questions.exists()):
        return

    themes = {t.number: t for t in Theme.objects.filter(number__in=THEME_ITEMS)}
    rows = []
    for number, items in THEME_ITEMS.items():
        for order, row in enumerate(items, start=1):
            rows.append(TemplateItem(**_item(template, "theme", themes[number], order, row)))
    for order, row in enumerate(CLIMATE_ITEMS, start=1):
        rows.append(TemplateItem(**_item(template, "climate", None, order, row)))
    for row in rows:
        if row.block == "climate":
            row.key = CLIMATE_KEYS.get(row.order, "")
    TemplateItem.objects.bulk_create(rows)
    Intervention = apps.get_model("interventions", "Intervention")
    catalogue = {
        f"{i.theme.number}.{i.number}": i
        for i in Intervention.objects.filter(school__isnull=True).select_related("theme")
    }
    for item in TemplateItem.objects.filter(template=template, block="theme").select_related(
        "theme"
    ):
        item.interventions.set(
            [catalogue[code] for code in ITEM_INTERVENTIONS.get((item.theme.number, item.order), ())]
        )
    TemplateOpenQuestion.objects.bulk_create(
        TemplateOpenQuestion(template=template, order=order, text_nl=text_nl, text_en=text_en)
        for order, (text_nl, text_en) in enumerate(OPEN_QUESTIONS, start=1)
    )


def unload(apps, schema_editor):
    QuestionnaireTemplate = apps.get_model("surveys", "QuestionnaireTemplate")
    # A template that has been frozen into a version is kept: rounds and their results point
    # at that version (PROTECT). Going forward again finds it and leaves it as it is.
    QuestionnaireTemplate.objects.filter(name_nl=NAME_NL, versions__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("surveys", "0001_initial"),
        ("interventions", "0002_catalogue"),
    ]

    operations = [migrations.RunPython(load, unload)]
