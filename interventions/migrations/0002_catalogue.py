"""The article's catalogue (Ilgen, 2019): 4 themes, the 26 interventions of Tabel 1 and the 5
recommendations. The Dutch text is the source's own (docs/model.md); English is a translation.
Frozen here on purpose: later edits happen in the admin, not by changing this migration."""

from django.db import migrations

THEMES = [
    (
        1,
        "professionele-dialoog",
        "central",
        "De professionele dialoog",
        "Professional dialogue",
        "Het centrale thema: het gesprek over 'het gesprek'. Wat betekent de professionele "
        "dialoog voor ons? Door het samen te definiëren komen punten naar voren, ook punten die "
        "wrijving en spanning geven. Het gaat om woorden én handelingen; het vergt tijd, "
        "inspanning, oefening en veel gesprekken.",
        "The central theme: the conversation about 'the conversation'. What does professional "
        "dialogue mean for us? Defining it together brings points forward, including points of "
        "friction and tension. It is about words and actions; it takes time, effort, practice "
        "and many conversations.",
    ),
    (
        2,
        "professionele-ontwikkeling",
        "topic",
        "Professionele ontwikkeling",
        "Professional development",
        "Ontwikkeling vraagt professionaliseringsruimte (Kuijpers e.a., 2014). De schoolleider "
        "houdt in de gaten hoe de individuele ontwikkelingen zich verhouden tot de collectieve "
        "doelen en of alle neuzen nog dezelfde kant op staan.",
        "Development needs room for professional growth (Kuijpers et al., 2014). The school "
        "leader watches how individual developments relate to the collective goals, and whether "
        "everyone is still facing the same way.",
    ),
    (
        3,
        "collectief-leren",
        "topic",
        "Collectief leren",
        "Collective learning",
        "Als er spanningen zijn, maakt de schoolleider relaties en emoties tot onderwerp van "
        "gesprek, doet gesprekken samen, oefent in teamverband en begeleidt groepsreflecties.",
        "When there is tension, the school leader makes relationships and emotions a topic of "
        "conversation, holds conversations together with teachers, practises as a team and "
        "guides group reflections.",
    ),
    (
        4,
        "professionele-leergemeenschap",
        "topic",
        "Professionele leergemeenschap",
        "Professional learning community",
        "De schoolleider houdt in de gaten of er spanningen zijn, benoemt wat hij ziet, "
        "creëert momenten om openhartig over verschillen te praten en haalt de hete angels "
        "eruit door mensen met elkaar in gesprek te laten gaan.",
        "The school leader watches for tension, names what they see, creates moments to talk "
        "openly about differences and takes the sting out by getting people to talk with each "
        "other.",
    ),
]

# (theme, number, Dutch, English, recommendations it serves)
INTERVENTIONS = [
    (1, 1, "houdt de professionele dialoog op de agenda en bespreekt met het team wat het betekent.",
     "keeps the professional dialogue on the agenda and discusses with the team what it means.",
     [1]),
    (1, 2, "geeft vorm aan deze agenda.",
     "gives shape to this agenda.",
     [1]),
    (1, 3, "richt zich op het verbeteren van het geven en ontvangen van feedback in het team.",
     "focuses on improving how feedback is given and received in the team.",
     [5]),
    (1, 4, "faciliteert tijd om hier met het team over te praten en mee te oefenen.",
     "makes time to talk about this with the team and to practise it.",
     [5]),
    (1, 5, "bekleedt een voorbeeldrol, waarin hij uitnodigt om feedback te geven, vragen stelt, "
     "tips geeft en zelf ook gevraagd en ongevraagd feedback geeft.",
     "sets an example: invites feedback, asks questions, gives tips, and gives feedback "
     "themselves, both when asked and unasked.",
     [5]),
    (1, 6, "biedt handvatten om de scheidslijn tussen professioneel en persoonlijk helder te maken "
     "en te houden.",
     "offers tools to make and keep the line between professional and personal clear.",
     [3]),
    (1, 7, "stelt hier samen met het team collectieve doelen in en maakt team brede afspraken.",
     "sets collective goals for this together with the team and makes team-wide agreements.",
     [3]),
    (2, 1, "creëert een productief klimaat en professionaliseringsruimte.",
     "creates a productive climate and room for professional growth.",
     []),
    (2, 2, "geeft ruimte aan initiatieven en ideeën om vorm aan eigen ontwikkeling én aan die van "
     "de school te geven.",
     "makes room for initiatives and ideas that shape both one's own development and the "
     "school's.",
     []),
    (2, 3, "houdt de balans tussen de verschillende professionele ontwikkelingen in de gaten.",
     "keeps an eye on the balance between the different professional developments.",
     []),
    (2, 4, "geeft vorm aan en faciliteert tijd tijdens vergaderingen of overlegmomenten om te "
     "bespreken waar eenieder mee bezig is en expertise en kennis worden gedeeld.",
     "shapes and makes time in meetings or consultations to discuss what everyone is working "
     "on, so that expertise and knowledge are shared.",
     [5]),
    (2, 5, "stimuleert collega's om met elkaar in gesprek te gaan over bepaalde ontwikkelingen.",
     "encourages colleagues to talk with each other about particular developments.",
     [1]),
    (2, 6, "zet de hoofdpijlers om in collectieve doelen en bespreekt deze met het team. Uit "
     "collectieve doelen kunnen individuele doelen voortvloeien.",
     "turns the main pillars into collective goals and discusses them with the team. "
     "Individual goals can follow from the collective goals.",
     []),
    (2, 7, "komt hier regelmatig op terug en evalueert dit met het team.",
     "returns to this regularly and evaluates it with the team.",
     [1]),
    (3, 1, "maakt relaties en emoties een onderwerp van gesprek.",
     "makes relationships and emotions a topic of conversation.",
     [2]),
    (3, 2, "signaleert spanningen en maakt deze bespreekbaar.",
     "notices tensions and makes them discussable.",
     [2]),
    (3, 3, "helpt teamleden door gesprekken samen te doen, te oefenen en door handvatten te bieden.",
     "helps team members by holding conversations together with them, by practising and by "
     "offering tools.",
     [4, 5]),
    (3, 4, "heeft een luisterend oor en geeft advies.",
     "lends a listening ear and gives advice.",
     [4]),
    (3, 5, "gaat met het team in gesprek over hoe vorm te geven aan de ruimte voor emotie en "
     "relatie en het bespreekbaar maken van spanningen en maakt daar afspraken over: wat kan wel "
     "en wat kan niet?",
     "talks with the team about how to shape the room for emotion and relationships and how to "
     "make tensions discussable, and makes agreements about it: what is and is not okay?",
     [3]),
    (3, 6, "faciliteert en begeleidt groepsreflecties. Het is op de groep gericht en op "
     "teamontwikkeling.",
     "facilitates and guides group reflections, aimed at the group and at team development.",
     [5]),
    (4, 1, "gaat met het team in gesprek hoe er op een juiste manier het professionele geparkeerd "
     "kan worden om het persoonlijke op te lossen. En daarna als dat is opgelost, hoe verder "
     "gegaan kan worden met het professionele.",
     "talks with the team about how to park the professional properly in order to resolve the "
     "personal, and then, once that is resolved, how to carry on with the professional.",
     [3]),
    (4, 2, "monitort, bespreekt en houdt in de gaten of er spanningen zijn.",
     "monitors, discusses and keeps an eye on whether there are tensions.",
     [2]),
    (4, 3, "spreekt verwachtingen uit en geeft ruimte aan leerkrachten om zich over onderwijs te "
     "uiten.",
     "states expectations and gives teachers room to express themselves about education.",
     []),
    (4, 4, "creëert momenten om openhartig te praten over verschillen.",
     "creates moments to talk openly about differences.",
     [3]),
    (4, 5, "benoemt regelmatig wat hij ziet.",
     "regularly names what they see.",
     [2]),
    (4, 6, "haalt op het niveau van het team de hete angels eruit door mensen met elkaar in gesprek "
     "te laten gaan.",
     "takes the sting out at team level by getting people to talk with each other.",
     [2]),
]

RECOMMENDATIONS = [
    (
        1,
        "Houd het gesprek over de professionele dialoog gaande.",
        "Keep the conversation about the professional dialogue going.",
        "Bespreek regelmatig met het team wat de professionele dialoog betekent. Het is "
        "misschien wel een van de belangrijkste aanbevelingen dat de schoolleider het gesprek "
        "over de wijze waarop de professionele dialoog verloopt gaande houdt. Door het onderwerp "
        "structureel te bespreken wordt afstemming gezocht. Punten komen op tafel of worden "
        "uitgesproken.",
        "Discuss regularly with the team what the professional dialogue means. Perhaps the most "
        "important recommendation is that the school leader keeps the conversation about how "
        "the professional dialogue goes alive. Discussing it structurally is how the team seeks "
        "attunement. Points come on the table or get said out loud.",
    ),
    (
        2,
        "Bespreek wat je ziet, merkt, hoort en voelt en geef aan waar spanning zit.",
        "Discuss what you see, notice, hear and feel, and point out where tension sits.",
        "Monitor, bespreek en houd in de gaten of er spanningen zijn. Maak relaties en emoties "
        "een onderwerp van gesprek. Signaleer spanningen en maak deze bespreekbaar. Haal de "
        "angels eruit door mensen met elkaar in gesprek te laten gaan. Door het gesprek worden "
        "problemen helder en transparant. Spanningen en frustraties lopen dan niet verder op. "
        "Dat geeft ruimte om punten op een professionele manier op te pakken.",
        "Monitor, discuss and watch whether there is tension. Make relationships and emotions a "
        "topic of conversation. Notice tensions and make them discussable. Take the sting out by "
        "getting people to talk with each other. Talking makes problems clear and transparent, "
        "so tension and frustration do not build up further. That leaves room to take points up "
        "in a professional way.",
    ),
    (
        3,
        "Stel emotie in de professionele dialoog centraal en maak afspraken.",
        "Put emotion at the centre of the professional dialogue and make agreements.",
        "Ga met je team in gesprek over hoe vorm te geven aan de ruimte voor emotie en relatie "
        "en maak daar afspraken over. Creëer momenten om openhartig te praten over verschillen. "
        "Bied handvatten om de scheidslijn tussen professioneel en persoonlijk helder te maken "
        "en te houden.",
        "Talk with your team about how to shape the room for emotion and relationships, and "
        "make agreements about it. Create moments to talk openly about differences. Offer tools "
        "to make and keep the line between professional and personal clear.",
    ),
    (
        4,
        "Help leerkrachten om de professionele dialoog goed te voeren.",
        "Help teachers to hold the professional dialogue well.",
        "Op het niveau van het individu maak je spanningen bespreekbaar en vraag je of diegene "
        "hulp nodig heeft om iets met een andere collega bespreekbaar te maken. Stel jezelf "
        "beschikbaar om gesprekken samen te doen. Het kan net dat duwtje in de rug zijn om een "
        "gesprek met die collega aan te gaan. Je bent gespreksleider en leidt het gesprek in "
        "goede banen, zodat het op professioneel niveau wordt gevoerd.",
        "With the individual teacher, make tension discussable and ask whether they need help "
        "to raise something with a colleague. Offer to hold that conversation together. It can "
        "be just the push needed to start it. You chair the conversation and keep it on track, "
        "so that it stays professional.",
    ),
    (
        5,
        "Faciliteer, oefen en gebruik voorbeelden.",
        "Facilitate, practise and use examples.",
        "Doe gesprekken samen, oefen in teamverband en bied handvatten. Richt je op het "
        "verbeteren van het geven en ontvangen van feedback. Stel tijd beschikbaar om hier met "
        "het team over te praten en mee te oefenen. Begeleid reflecties die op de groep en op "
        "teamontwikkeling gericht zijn. Zet het in de jaarkalender, inventariseer onderwerpen en "
        "thema's en betrek leerkrachten bij de invulling van bijeenkomsten. Door het structureel "
        "en consequent te faciliteren en vaardigheden te oefenen, kan het een systeem worden. "
        "Door het veel te doen en het 'gewoon' te gaan vinden, wordt het een cultuur binnen het "
        "team. Dit resulteert in schoolontwikkeling.",
        "Hold conversations together, practise as a team and offer tools. Focus on improving "
        "how feedback is given and received. Make time to talk about it with the team and to "
        "practise. Guide reflections aimed at the group and at team development. Put it in the "
        "annual calendar, take stock of topics and themes, and involve teachers in filling in "
        "the meetings. Facilitated structurally and consistently, with skills practised, it can "
        "become a system. Done often, until it feels normal, it becomes the team's culture. "
        "This results in school development.",
    ),
]


def load(apps, schema_editor):
    Theme = apps.get_model("interventions", "Theme")
    Intervention = apps.get_model("interventions", "Intervention")
    Recommendation = apps.get_model("interventions", "Recommendation")
    themes = {}
    for number, slug, kind, name_nl, name_en, summary_nl, summary_en in THEMES:
        themes[number], _ = Theme.objects.update_or_create(
            number=number,
            defaults={
                "slug": slug,
                "kind": kind,
                "name_nl": name_nl,
                "name_en": name_en,
                "summary_nl": summary_nl,
                "summary_en": summary_en,
            },
        )
    recommendations = {}
    for number, title_nl, title_en, body_nl, body_en in RECOMMENDATIONS:
        recommendations[number], _ = Recommendation.objects.update_or_create(
            number=number,
            defaults={
                "title_nl": title_nl,
                "title_en": title_en,
                "body_nl": body_nl,
                "body_en": body_en,
            },
        )
    for theme, number, text_nl, text_en, serves in INTERVENTIONS:
        intervention, _ = Intervention.objects.update_or_create(
            theme=themes[theme],
            number=number,
            school=None,
            defaults={"text_nl": text_nl, "text_en": text_en},
        )
        intervention.recommendations.set([recommendations[n] for n in serves])


def unload(apps, schema_editor):
    apps.get_model("interventions", "Intervention").objects.filter(school__isnull=True).delete()
    apps.get_model("interventions", "Recommendation").objects.all().delete()
    apps.get_model("interventions", "Theme").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("interventions", "0001_initial")]

    operations = [migrations.RunPython(load, unload)]
