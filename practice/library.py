"""The library of conversation formats (werkvormen), written for dialoog in Dutch and English.

Each format serves interventions of Tabel 1 (by ``(theme, number)``) and recommendations (by
number); see docs/model.md. The data migration ``practice/0002_library`` calls ``load``; it is
idempotent (a format is found by its slug and rewritten), so a later migration can call it
again after the texts were improved.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Step:
    minutes: int
    title_nl: str
    instruction_nl: str
    title_en: str
    instruction_en: str
    prompt_nl: str = ""
    prompt_en: str = ""


@dataclass(frozen=True)
class Text:
    title: str
    purpose: str
    roles: str
    phrases: str
    pitfalls: str


@dataclass(frozen=True)
class Entry:
    slug: str
    kind: str
    group: tuple[int, int]
    interventions: tuple[tuple[int, int], ...]
    recommendations: tuple[int, ...]
    nl: Text
    en: Text
    steps: tuple[Step, ...] = field(default_factory=tuple)

    @property
    def minutes(self) -> int:
        return sum(step.minutes for step in self.steps)


LIBRARY: tuple[Entry, ...] = (
    Entry(
        slug="feedback",
        kind="feedback_practice",
        group=(4, 30),
        interventions=((1, 3), (1, 4), (1, 5)),
        recommendations=(5,),
        nl=Text(
            title="Feedback geven en ontvangen",
            purpose="Oefenen met feedback die over gedrag gaat en niet over de persoon, en "
            "met het ontvangen ervan zonder je meteen te verdedigen. Na afloop weet iedereen "
            "hoe we in dit team feedback willen geven.",
            roles="Gespreksleider: bewaakt de tijd en de vorm\n"
            "Gever: geeft feedback op één concreet moment\n"
            "Ontvanger: luistert, vat samen en vraagt door\n"
            "Observator: let op wat de feedback bruikbaar maakte",
            phrases="Ik zag dat je … en dat had als gevolg dat …\n"
            "Wat ik zou willen vragen is …\n"
            "Als ik je goed begrijp, bedoel je dat …\n"
            "Dank je, daar ga ik over nadenken.",
            pitfalls="Feedback over iemand in plaats van over wat iemand deed\n"
            "Meteen uitleggen of verdedigen in plaats van eerst samenvatten\n"
            "Alleen complimenten geven omdat het zo gezellig is",
        ),
        en=Text(
            title="Giving and receiving feedback",
            purpose="Practise feedback about behaviour rather than the person, and receiving "
            "it without defending yourself straight away. Afterwards everyone knows how this "
            "team wants to give feedback.",
            roles="Chair: keeps time and the format\n"
            "Giver: gives feedback on one concrete moment\n"
            "Receiver: listens, summarises and asks on\n"
            "Observer: notices what made the feedback usable",
            phrases="I saw that you … and the effect was that …\n"
            "What I would like to ask is …\n"
            "If I understand you correctly, you mean that …\n"
            "Thank you, I will think about that.",
            pitfalls="Feedback about someone instead of about what someone did\n"
            "Explaining or defending at once instead of summarising first\n"
            "Only giving compliments because it feels so pleasant",
        ),
        steps=(
            Step(
                5,
                "Opening",
                "De gespreksleider vertelt waarom we oefenen en legt het model uit: "
                "waarneming, gevolg, vraag.",
                "Opening",
                "The chair says why we practise and explains the model: observation, effect, "
                "request.",
            ),
            Step(
                10,
                "Wat helpt jou bij feedback?",
                "Iedereen schrijft op de telefoon op wat een keer goede feedback voor hem of "
                "haar maakte. We lezen de antwoorden zonder namen op het scherm.",
                "What helps you with feedback?",
                "Everyone writes on their phone what once made feedback good for them. We read "
                "the answers on the screen, without names.",
                "Wat maakte een keer goede feedback voor jou?",
                "What once made feedback good for you?",
            ),
            Step(
                15,
                "Oefenen in drietallen",
                "In drietallen: de gever geeft feedback op een echt, klein moment uit de "
                "afgelopen weken; de ontvanger vat samen en vraagt door; de observator let op "
                "de vorm. Wissel twee keer van rol.",
                "Practise in threes",
                "In threes: the giver gives feedback on a real, small moment from the past "
                "weeks; the receiver summarises and asks on; the observer watches the form. "
                "Swap roles twice.",
            ),
            Step(
                10,
                "Nabespreken",
                "Wat viel de observatoren op? Wat maakte feedback makkelijk of moeilijk om te "
                "ontvangen?",
                "Debrief",
                "What did the observers notice? What made feedback easy or hard to receive?",
            ),
            Step(
                5,
                "Afspraak",
                "Spreek samen één ding af over hoe we in dit team feedback geven.",
                "Agreement",
                "Agree together on one thing about how this team gives feedback.",
            ),
        ),
    ),
    Entry(
        slug="gesprek-over-het-gesprek",
        kind="group_reflection",
        group=(4, 30),
        interventions=((1, 1), (1, 2), (3, 6)),
        recommendations=(1, 5),
        nl=Text(
            title="Het gesprek over het gesprek",
            purpose="Een groepsreflectie op hoe we met elkaar praten: wat betekent "
            "professionele dialoog voor ons, wat gaat goed en wat blijft liggen?",
            roles="Gespreksleider: stelt de vragen en vat samen\n"
            "Notulist: schrijft op wat het team wil houden en veranderen\n"
            "Deelnemers: spreken vanuit hun eigen ervaring",
            phrases="Wat ik merk in onze overleggen is …\n"
            "Wanneer durfde jij laatst iets te zeggen, en wat hielp daarbij?\n"
            "Ik hoor verschillende dingen: …, en ook …\n"
            "Wat willen we houden, en wat willen we anders?",
            pitfalls="Over de inhoud van een onderwerp praten in plaats van over hoe we "
            "praten\n"
            "Schuldigen zoeken\n"
            "Eindigen zonder iets af te spreken",
        ),
        en=Text(
            title="The conversation about the conversation",
            purpose="A group reflection on how we talk with each other: what does professional "
            "dialogue mean to us, what goes well and what is left lying?",
            roles="Chair: asks the questions and summarises\n"
            "Note-taker: writes down what the team wants to keep and to change\n"
            "Participants: speak from their own experience",
            phrases="What I notice in our meetings is …\n"
            "When did you last dare to say something, and what helped?\n"
            "I hear different things: …, and also …\n"
            "What do we want to keep, and what do we want to change?",
            pitfalls="Discussing the content of a topic instead of how we talk\n"
            "Looking for someone to blame\n"
            "Ending without agreeing on anything",
        ),
        steps=(
            Step(
                5,
                "Waarom dit gesprek",
                "De gespreksleider legt uit dat het vandaag niet over een onderwerp gaat, maar "
                "over hoe we met elkaar praten.",
                "Why this conversation",
                "The chair explains that today is not about a topic but about how we talk with "
                "each other.",
            ),
            Step(
                10,
                "Een goed gesprek",
                "Denk aan een gesprek met collega's dat je verder hielp. Schrijf op de telefoon "
                "wat het goed maakte.",
                "A good conversation",
                "Think of a conversation with colleagues that helped you further. Write on your "
                "phone what made it good.",
                "Wat maakte een gesprek met collega's goed?",
                "What made a conversation with colleagues good?",
            ),
            Step(
                15,
                "Wat blijft liggen?",
                "In tweetallen en daarna samen: welke onderwerpen bespreken we niet, en wat "
                "houdt ons tegen?",
                "What is left lying?",
                "In pairs and then together: which topics do we not discuss, and what holds "
                "us back?",
            ),
            Step(
                10,
                "Houden en veranderen",
                "Maak samen twee lijstjes: wat we houden en wat we anders willen doen.",
                "Keep and change",
                "Make two lists together: what we keep and what we want to do differently.",
            ),
            Step(
                5,
                "Afspraak",
                "Kies één afspraak en een datum om erop terug te komen.",
                "Agreement",
                "Choose one agreement and a date to come back to it.",
            ),
        ),
    ),
    Entry(
        slug="intervisie",
        kind="peer_consultation",
        group=(4, 8),
        interventions=((3, 3), (3, 4), (2, 5)),
        recommendations=(4, 5),
        nl=Text(
            title="Intervisie (incidentmethode)",
            purpose="Samen leren van één concrete situatie van een collega, door vragen te "
            "stellen voordat iemand advies geeft.",
            roles="Inbrenger: vertelt een situatie waar hij of zij mee zit\n"
            "Gespreksleider: bewaakt de stappen en de tijd\n"
            "Collega's: stellen vragen en geven pas aan het eind advies",
            phrases="Wat wil je uit dit gesprek halen?\n"
            "Wat deed jij op dat moment, en wat dacht je?\n"
            "Als ik in jouw schoenen stond, zou ik …\n"
            "Wat neem je mee?",
            pitfalls="Te snel adviezen geven\n"
            "Je eigen verhaal gaan vertellen\n"
            "De inbrenger overtuigen in plaats van laten kiezen",
        ),
        en=Text(
            title="Peer consultation (incident method)",
            purpose="Learn together from one concrete situation of a colleague, by asking "
            "questions before anyone gives advice.",
            roles="Presenter: tells about a situation they are struggling with\n"
            "Chair: guards the steps and the time\n"
            "Colleagues: ask questions and give advice only at the end",
            phrases="What do you want to get out of this conversation?\n"
            "What did you do at that moment, and what did you think?\n"
            "If I were in your shoes, I would …\n"
            "What do you take with you?",
            pitfalls="Giving advice too soon\n"
            "Starting to tell your own story\n"
            "Persuading the presenter instead of letting them choose",
        ),
        steps=(
            Step(
                10,
                "Situatie en vraag",
                "De inbrenger vertelt kort de situatie en formuleert een vraag.",
                "Situation and question",
                "The presenter briefly tells the situation and puts a question.",
            ),
            Step(
                15,
                "Vragen stellen",
                "Collega's stellen alleen open vragen om de situatie te begrijpen. Nog geen "
                "advies.",
                "Asking questions",
                "Colleagues ask only open questions to understand the situation. No advice yet.",
            ),
            Step(
                5,
                "De vraag opnieuw",
                "De inbrenger kijkt of de vraag nog klopt en past hem zo nodig aan.",
                "The question again",
                "The presenter checks whether the question still fits and adjusts it if needed.",
            ),
            Step(
                15,
                "Adviezen",
                "Iedereen geeft één advies dat begint met 'Als ik jou was …'. De inbrenger "
                "luistert en reageert nog niet.",
                "Advice",
                "Everyone gives one piece of advice starting with 'If I were you …'. The "
                "presenter listens and does not respond yet.",
            ),
            Step(
                10,
                "Wat neem je mee?",
                "De inbrenger zegt wat hij of zij meeneemt. Samen kijken we kort hoe het "
                "gesprek ging.",
                "What do you take with you?",
                "The presenter says what they take with them. Together we look briefly at "
                "how the conversation went.",
            ),
            Step(
                5,
                "Wat leerden we?",
                "Iedereen schrijft op de telefoon op wat hij of zij zelf leerde.",
                "What did we learn?",
                "Everyone writes on their phone what they learned themselves.",
                "Wat leerde jij zelf vandaag?",
                "What did you learn yourself today?",
            ),
        ),
    ),
    Entry(
        slug="verschillen",
        kind="conversation_practice",
        group=(4, 30),
        interventions=((4, 4), (3, 1)),
        recommendations=(3,),
        nl=Text(
            title="Openhartig praten over verschillen",
            purpose="Verschillen in aanpak, ervaring en opvattingen zichtbaar maken en "
            "bespreken, zonder dat iemand gelijk hoeft te krijgen.",
            roles="Gespreksleider: nodigt uit en bewaakt de veiligheid\n"
            "Deelnemers: vertellen vanuit zichzelf en luisteren om te begrijpen",
            phrases="Ik doe dit anders, omdat …\n"
            "Wat is voor jou belangrijk aan jouw manier?\n"
            "Ik merk dat we hier verschillend over denken, en dat mag.\n"
            "Wat kunnen we van elkaars aanpak leren?",
            pitfalls="Verschillen meteen willen oplossen\n"
            "Eén manier als de goede neerzetten\n"
            "Alleen de mensen die altijd praten aan het woord laten",
        ),
        en=Text(
            title="Talking openly about differences",
            purpose="Make differences in approach, experience and views visible and discuss "
            "them, without anyone having to be right.",
            roles="Chair: invites and guards safety\n"
            "Participants: speak from themselves and listen to understand",
            phrases="I do this differently, because …\n"
            "What matters to you about your way?\n"
            "I notice that we think differently about this, and that is fine.\n"
            "What can we learn from each other's approach?",
            pitfalls="Wanting to resolve differences at once\n"
            "Presenting one way as the right one\n"
            "Letting only the people who always talk have the floor",
        ),
        steps=(
            Step(
                5,
                "Opening",
                "De gespreksleider noemt het onderwerp en zegt dat verschillen er mogen zijn.",
                "Opening",
                "The chair names the topic and says that differences are welcome.",
            ),
            Step(
                10,
                "Zo doe ik het",
                "Iedereen schrijft op de telefoon hoe hij of zij het aanpakt. We kijken samen "
                "naar de verschillen op het scherm.",
                "This is how I do it",
                "Everyone writes on their phone how they go about it. Together we look at the "
                "differences on the screen.",
                "Hoe pak jij het aan?",
                "How do you go about it?",
            ),
            Step(
                15,
                "Waarom zo?",
                "In tweetallen met iemand die het anders doet: vertel elkaar wat je belangrijk "
                "vindt aan je eigen manier.",
                "Why this way?",
                "In pairs with someone who does it differently: tell each other what matters "
                "to you about your own way.",
            ),
            Step(
                10,
                "Wat leren we?",
                "Samen: wat nemen we van elkaar over, en waar mogen we verschillen?",
                "What do we learn?",
                "Together: what do we take over from each other, and where may we differ?",
            ),
        ),
    ),
    Entry(
        slug="zien-horen-voelen",
        kind="conversation_practice",
        group=(3, 30),
        interventions=((3, 2), (4, 2), (4, 5)),
        recommendations=(2,),
        nl=Text(
            title="Spanning benoemen: wat ik zie, hoor en voel",
            purpose="Oefenen met het benoemen van spanning zonder oordeel, door te zeggen wat "
            "je ziet, hoort en voelt, zodat spanning niet blijft opbouwen.",
            roles="Gespreksleider: geeft het voorbeeld en bewaakt de vorm\n"
            "Spreker: benoemt een waarneming en een gevoel\n"
            "Luisteraar: vat samen zonder te verdedigen",
            phrases="Wat ik zie is …\nWat ik hoor is …\nWat ik daarbij voel is …\nHerken je dat?",
            pitfalls="Een oordeel brengen als waarneming ('jij bent altijd …')\n"
            "Gevoelens van een ander invullen\n"
            "Doorgaan naar oplossingen voordat de spanning benoemd is",
        ),
        en=Text(
            title="Naming tension: what I see, hear and feel",
            purpose="Practise naming tension without judgement, by saying what you see, hear "
            "and feel, so that tension does not keep building up.",
            roles="Chair: sets the example and guards the form\n"
            "Speaker: names an observation and a feeling\n"
            "Listener: summarises without defending",
            phrases="What I see is …\n"
            "What I hear is …\n"
            "What I feel about it is …\n"
            "Do you recognise that?",
            pitfalls="Presenting a judgement as an observation ('you always …')\n"
            "Filling in someone else's feelings\n"
            "Moving on to solutions before the tension has been named",
        ),
        steps=(
            Step(
                5,
                "Voorbeeld",
                "De gespreksleider benoemt zelf iets wat hij of zij ziet, hoort en voelt in "
                "het team.",
                "Example",
                "The chair names something they see, hear and feel in the team themselves.",
            ),
            Step(
                5,
                "Waarneming of oordeel?",
                "Samen zinnen sorteren: is dit een waarneming of een oordeel?",
                "Observation or judgement?",
                "Sort sentences together: is this an observation or a judgement?",
            ),
            Step(
                15,
                "Oefenen in tweetallen",
                "Om de beurt: benoem een kleine spanning uit het werk met de drie zinnen. De "
                "ander vat samen en vraagt: herken ik het?",
                "Practise in pairs",
                "Take turns: name a small tension from work with the three sentences. The "
                "other summarises and asks: do I recognise it?",
            ),
            Step(
                5,
                "Wat merk jij?",
                "Schrijf anoniem op de telefoon een spanning die je in het team merkt, in de "
                "vorm 'ik zie … ik hoor … ik voel …'.",
                "What do you notice?",
                "Write anonymously on your phone a tension you notice in the team, as 'I see "
                "… I hear … I feel …'.",
                "Welke spanning merk jij in het team?",
                "Which tension do you notice in the team?",
            ),
        ),
    ),
    Entry(
        slug="wat-kan-wel-en-niet",
        kind="group_reflection",
        group=(4, 30),
        interventions=((3, 5), (1, 7)),
        recommendations=(3,),
        nl=Text(
            title="Wat kan wel en wat kan niet?",
            purpose="Samen afspreken hoeveel ruimte er is voor emotie en relatie in ons "
            "overleg, en wat we wel en niet tegen elkaar zeggen.",
            roles="Gespreksleider: verzamelt en vat samen\n"
            "Notulist: schrijft de afspraken op\n"
            "Deelnemers: geven voorbeelden uit de praktijk",
            phrases="Voor mij kan het wel als …\n"
            "Ik vind het een grens als …\n"
            "Mag ik hier eerlijk over zijn?\n"
            "Kunnen we afspreken dat …?",
            pitfalls="Regels opstellen die niemand herkent\n"
            "Te veel afspraken tegelijk\n"
            "Afspraken maken en er nooit meer naar kijken",
        ),
        en=Text(
            title="What can and cannot be said",
            purpose="Agree together how much room there is for emotion and relation in our "
            "meetings, and what we do and do not say to each other.",
            roles="Chair: collects and summarises\n"
            "Note-taker: writes down the agreements\n"
            "Participants: give examples from practice",
            phrases="For me it is fine when …\n"
            "I find it a boundary when …\n"
            "May I be honest about this?\n"
            "Can we agree that …?",
            pitfalls="Drawing up rules nobody recognises\n"
            "Too many agreements at once\n"
            "Making agreements and never looking at them again",
        ),
        steps=(
            Step(
                5,
                "Opening",
                "De gespreksleider legt uit waarom afspraken over de omgang helpen.",
                "Opening",
                "The chair explains why agreements about how we treat each other help.",
            ),
            Step(
                10,
                "Wel en niet",
                "Iedereen schrijft op de telefoon één ding dat voor hem of haar wel kan en één "
                "ding dat niet kan.",
                "Can and cannot",
                "Everyone writes on their phone one thing that is fine for them and one that "
                "is not.",
                "Wat kan voor jou wel, en wat niet?",
                "What is fine for you, and what is not?",
            ),
            Step(
                20,
                "Bespreken",
                "Bespreek de antwoorden op het scherm. Waar zijn we het over eens, waar niet?",
                "Discuss",
                "Discuss the answers on the screen. Where do we agree, and where not?",
            ),
            Step(
                10,
                "Afspraken",
                "Kies hooguit drie afspraken en een datum om ze terug te kijken.",
                "Agreements",
                "Choose at most three agreements and a date to review them.",
            ),
        ),
    ),
    Entry(
        slug="persoonlijk-parkeren",
        kind="conversation_practice",
        group=(2, 30),
        interventions=((4, 1), (1, 6)),
        recommendations=(3, 4),
        nl=Text(
            title="Het persoonlijke parkeren, daarna weer professioneel",
            purpose="Oefenen hoe je in een gesprek het professionele even parkeert om iets "
            "persoonlijks op te lossen, en daarna bewust terugkeert naar het professionele.",
            roles="Gespreksleider: benoemt het moment van parkeren en terugkeren\n"
            "Twee collega's: spelen een situatie na\n"
            "Observatoren: letten op de overgang",
            phrases="Ik merk dat dit persoonlijk wordt. Zullen we het werk even parkeren?\n"
            "Wat heb je nu nodig om verder te kunnen?\n"
            "Is dit voor nu goed genoeg opgelost?\n"
            "Dan gaan we terug naar de vraag over de les.",
            pitfalls="Niet terugkeren naar het professionele\n"
            "Het persoonlijke wegwuiven omdat er geen tijd is\n"
            "In de groep oplossen wat tussen twee mensen hoort",
        ),
        en=Text(
            title="Parking the personal, then back to the professional",
            purpose="Practise how to park the professional for a moment in a conversation to "
            "resolve something personal, and then return to the professional on purpose.",
            roles="Chair: names the moment of parking and returning\n"
            "Two colleagues: act out a situation\n"
            "Observers: watch the transition",
            phrases="I notice this is getting personal. Shall we park the work for a moment?\n"
            "What do you need now to be able to go on?\n"
            "Is this resolved well enough for now?\n"
            "Then let us go back to the question about the lesson.",
            pitfalls="Not returning to the professional\n"
            "Waving the personal away because there is no time\n"
            "Resolving in the group what belongs between two people",
        ),
        steps=(
            Step(
                5,
                "Uitleg",
                "De gespreksleider legt de scheidslijn uit tussen professioneel en persoonlijk.",
                "Explanation",
                "The chair explains the line between professional and personal.",
            ),
            Step(
                15,
                "Naspelen",
                "Twee collega's spelen een werkoverleg na waarin iets persoonlijks opkomt. De "
                "gespreksleider parkeert en keert terug.",
                "Act it out",
                "Two colleagues act out a work meeting in which something personal comes up. "
                "The chair parks it and returns.",
            ),
            Step(
                10,
                "Wat zagen we?",
                "Observatoren vertellen wat de overgang makkelijk of moeilijk maakte.",
                "What did we see?",
                "Observers tell what made the transition easy or hard.",
            ),
            Step(
                10,
                "Onze zinnen",
                "Schrijf op de telefoon een zin die jij zou gebruiken om te parkeren of terug "
                "te keren.",
                "Our sentences",
                "Write on your phone a sentence you would use to park or to return.",
                "Welke zin gebruik jij om te parkeren of terug te keren?",
                "Which sentence would you use to park or to return?",
            ),
        ),
    ),
    Entry(
        slug="waar-werk-je-aan",
        kind="team_meeting",
        group=(3, 40),
        interventions=((2, 4), (2, 5), (2, 2)),
        recommendations=(1, 5),
        nl=Text(
            title="Waar werk jij aan?",
            purpose="Delen waar iedereen mee bezig is, zodat kennis en expertise rondgaan en "
            "collega's elkaar kunnen vinden.",
            roles="Gespreksleider: bewaakt de tijd per persoon\n"
            "Vertellers: delen kort hun ontwikkeling\n"
            "Luisteraars: noteren bij wie ze willen aanhaken",
            phrases="Ik ben bezig met …\n"
            "Waar ik tegenaan loop is …\n"
            "Wie weet hier meer van?\n"
            "Mag ik een keer bij je komen kijken?",
            pitfalls="Alleen successen delen\n"
            "Te lang vertellen, waardoor niet iedereen aan de beurt komt\n"
            "Niets doen met wat je hoort",
        ),
        en=Text(
            title="What are you working on?",
            purpose="Share what everyone is working on, so that knowledge and expertise go "
            "round and colleagues can find each other.",
            roles="Chair: keeps time per person\n"
            "Speakers: share their development briefly\n"
            "Listeners: note whom they want to join",
            phrases="I am working on …\n"
            "What I run into is …\n"
            "Who knows more about this?\n"
            "May I come and watch some time?",
            pitfalls="Sharing only successes\n"
            "Talking too long, so that not everyone gets a turn\n"
            "Doing nothing with what you hear",
        ),
        steps=(
            Step(
                5,
                "Voorbereiden",
                "Iedereen schrijft op de telefoon in één zin waar hij of zij aan werkt.",
                "Prepare",
                "Everyone writes on their phone in one sentence what they are working on.",
                "Waar werk jij aan?",
                "What are you working on?",
            ),
            Step(
                15,
                "Rondje",
                "Om de beurt twee minuten: waar werk je aan en waar loop je tegenaan?",
                "Round",
                "Two minutes each in turn: what are you working on and what do you run into?",
            ),
            Step(
                10,
                "Verbinden",
                "Wie wil bij wie aanhaken? Maak één concrete afspraak om bij elkaar te kijken.",
                "Connect",
                "Who wants to join whom? Make one concrete arrangement to visit each other.",
            ),
        ),
    ),
    Entry(
        slug="emotie-check-in",
        kind="team_meeting",
        group=(3, 40),
        interventions=((3, 1), (3, 5)),
        recommendations=(2, 3),
        nl=Text(
            title="Emotie-check-in",
            purpose="Aan het begin van een overleg kort laten merken hoe je erbij zit, zodat "
            "emotie er mag zijn en het gesprek daarna beter gaat.",
            roles="Gespreksleider: opent en sluit de ronde\n"
            "Deelnemers: noemen een woord of een zin, zonder discussie",
            phrases="Ik zit hier vandaag …\n"
            "Wat ik meeneem uit de klas is …\n"
            "Dank je dat je dat deelt.",
            pitfalls="Op reacties ingaan en een gesprek beginnen\n"
            "Iemand dwingen iets te delen\n"
            "De check-in overslaan als er weinig tijd is",
        ),
        en=Text(
            title="Emotion check-in",
            purpose="At the start of a meeting, briefly show how you are, so that emotion is "
            "welcome and the conversation goes better afterwards.",
            roles="Chair: opens and closes the round\n"
            "Participants: name a word or a sentence, without discussion",
            phrases="Today I am here feeling …\n"
            "What I bring with me from the classroom is …\n"
            "Thank you for sharing that.",
            pitfalls="Responding to answers and starting a discussion\n"
            "Forcing someone to share\n"
            "Skipping the check-in when time is short",
        ),
        steps=(
            Step(
                3,
                "Hoe zit je erbij?",
                "Iedereen schrijft op de telefoon één woord voor hoe hij of zij erbij zit. De "
                "woorden verschijnen zonder namen.",
                "How are you?",
                "Everyone writes on their phone one word for how they are. The words appear "
                "without names.",
                "Eén woord: hoe zit je erbij?",
                "One word: how are you?",
            ),
            Step(
                5,
                "Rondje",
                "Wie wil, zegt er één zin bij. Niemand reageert.",
                "Round",
                "Whoever wants to adds one sentence. Nobody responds.",
            ),
            Step(
                2,
                "Afsluiten",
                "De gespreksleider bedankt en zegt wat hij of zij gehoord heeft.",
                "Close",
                "The chair says thank you and what they heard.",
            ),
        ),
    ),
    Entry(
        slug="afspraken-terugkijken",
        kind="evaluation",
        group=(3, 40),
        interventions=((1, 7), (2, 6), (2, 7)),
        recommendations=(1,),
        nl=Text(
            title="Afspraken terugkijken",
            purpose="Regelmatig terugkijken op de afspraken en collectieve doelen: wat werkt, "
            "wat niet, en wat passen we aan?",
            roles="Gespreksleider: leest de afspraken voor\n"
            "Eigenaar van een afspraak: vertelt hoe het gaat\n"
            "Deelnemers: geven voorbeelden",
            phrases="Deze afspraak werkt, want …\n"
            "Hier houden we ons niet aan, en dat komt doordat …\n"
            "Zullen we deze afspraak aanpassen naar …?\n"
            "Wanneer kijken we weer?",
            pitfalls="Mensen aanspreken op wie zich niet aan de afspraak hield\n"
            "Alle afspraken laten staan uit gewoonte\n"
            "Geen nieuwe datum prikken",
        ),
        en=Text(
            title="Reviewing agreements",
            purpose="Regularly look back at agreements and collective goals: what works, what "
            "does not, and what do we adjust?",
            roles="Chair: reads out the agreements\n"
            "Owner of an agreement: tells how it is going\n"
            "Participants: give examples",
            phrases="This agreement works, because …\n"
            "We do not keep to this one, and that is because …\n"
            "Shall we change this agreement to …?\n"
            "When do we look again?",
            pitfalls="Calling out who did not keep an agreement\n"
            "Keeping every agreement out of habit\n"
            "Not setting a new date",
        ),
        steps=(
            Step(
                5,
                "Voorlezen",
                "De gespreksleider leest de afspraken en doelen voor.",
                "Read out",
                "The chair reads out the agreements and goals.",
            ),
            Step(
                10,
                "Hoe gaat het?",
                "Schrijf op de telefoon per afspraak wat je merkt: werkt het, of niet?",
                "How is it going?",
                "Write on your phone what you notice about an agreement: does it work or not?",
                "Wat merk jij van onze afspraken?",
                "What do you notice about our agreements?",
            ),
            Step(
                10,
                "Houden, aanpassen of stoppen",
                "Beslis per afspraak: houden, aanpassen of stoppen.",
                "Keep, adjust or stop",
                "Decide for each agreement: keep, adjust or stop.",
            ),
            Step(
                5,
                "Nieuwe datum",
                "Prik een datum om weer terug te kijken en zet die in de jaarkalender.",
                "New date",
                "Set a date to look back again and put it in the annual calendar.",
            ),
        ),
    ),
    Entry(
        slug="lastig-gesprek-oefenen",
        kind="conversation_practice",
        group=(3, 30),
        interventions=((3, 3), (1, 4), (4, 6)),
        recommendations=(4, 5),
        nl=Text(
            title="Een lastig gesprek oefenen",
            purpose="In een veilige oefening een lastig gesprek met een collega voorbereiden "
            "en uitproberen, met een gespreksleider die het professioneel houdt.",
            roles="Inbrenger: kiest een gesprek dat hij of zij wil voeren\n"
            "Tegenspeler: speelt de collega\n"
            "Gespreksleider: houdt het gesprek professioneel\n"
            "Observator: let op wat werkte",
            phrases="Ik wil graag iets met je bespreken wat me bezighoudt.\n"
            "Wat ik zag was …, en wat ik daarbij voelde was …\n"
            "Wat ik van je vraag is …\n"
            "Hoe kijk jij hiertegenaan?",
            pitfalls="Een echte collega naspelen die in de kamer zit\n"
            "De tegenspeler te moeilijk laten doen\n"
            "Eindigen zonder te zeggen wat de inbrenger meeneemt",
        ),
        en=Text(
            title="Practising a difficult conversation",
            purpose="In a safe exercise, prepare and try out a difficult conversation with a "
            "colleague, with a chair who keeps it professional.",
            roles="Presenter: chooses a conversation they want to have\n"
            "Counterpart: plays the colleague\n"
            "Chair: keeps the conversation professional\n"
            "Observer: notices what worked",
            phrases="There is something on my mind that I would like to discuss with you.\n"
            "What I saw was …, and what I felt about it was …\n"
            "What I ask of you is …\n"
            "How do you see this?",
            pitfalls="Playing a real colleague who is in the room\n"
            "Letting the counterpart make it too hard\n"
            "Ending without saying what the presenter takes away",
        ),
        steps=(
            Step(
                10,
                "Voorbereiden",
                "De inbrenger vult in: wat zag ik, wat voel ik, wat wil ik, wat vraag ik van "
                "de ander?",
                "Prepare",
                "The presenter fills in: what did I see, what do I feel, what do I want, what "
                "do I ask of the other?",
            ),
            Step(
                15,
                "Oefenen",
                "Inbrenger en tegenspeler voeren het gesprek; de gespreksleider grijpt in als "
                "het persoonlijk wordt.",
                "Practise",
                "Presenter and counterpart hold the conversation; the chair steps in when it "
                "gets personal.",
            ),
            Step(
                10,
                "Terugkijken",
                "Wat werkte? De observator vertelt, daarna de tegenspeler en de inbrenger.",
                "Look back",
                "What worked? The observer tells, then the counterpart and the presenter.",
            ),
            Step(
                5,
                "Tip voor de inbrenger",
                "Schrijf op de telefoon één tip voor het echte gesprek.",
                "A tip for the presenter",
                "Write on your phone one tip for the real conversation.",
                "Welke tip geef je mee voor het echte gesprek?",
                "Which tip do you give for the real conversation?",
            ),
        ),
    ),
    Entry(
        slug="luisteren-en-doorvragen",
        kind="conversation_practice",
        group=(3, 30),
        interventions=((3, 4), (1, 5)),
        recommendations=(5,),
        nl=Text(
            title="Luisteren en doorvragen",
            purpose="Oefenen met luisteren om te begrijpen in plaats van om te antwoorden, "
            "met open vragen en samenvatten.",
            roles="Verteller: vertelt over een moment uit de klas\n"
            "Luisteraar: vraagt door en vat samen\n"
            "Observator: telt open en gesloten vragen",
            phrases="Wat bedoel je precies met …?\n"
            "Kun je een voorbeeld geven?\n"
            "Dus als ik het goed hoor …\n"
            "Wat vond je daar zelf van?",
            pitfalls="Meteen met een eigen ervaring komen\n"
            "Vragen die eigenlijk adviezen zijn ('Heb je al eens … geprobeerd?')\n"
            "Samenvatten met je eigen woorden en je eigen mening",
        ),
        en=Text(
            title="Listening and asking on",
            purpose="Practise listening to understand rather than to answer, with open "
            "questions and summarising.",
            roles="Storyteller: tells about a moment in class\n"
            "Listener: asks on and summarises\n"
            "Observer: counts open and closed questions",
            phrases="What exactly do you mean by …?\n"
            "Can you give an example?\n"
            "So if I hear you correctly …\n"
            "What did you think of it yourself?",
            pitfalls="Coming up with your own experience straight away\n"
            "Questions that are really advice ('Have you tried …?')\n"
            "Summarising with your own words and your own opinion",
        ),
        steps=(
            Step(
                5,
                "Uitleg",
                "De gespreksleider laat het verschil zien tussen een open en een gesloten vraag.",
                "Explanation",
                "The chair shows the difference between an open and a closed question.",
            ),
            Step(
                15,
                "Oefenen in drietallen",
                "Vijf minuten per ronde: de verteller vertelt, de luisteraar vraagt door, de "
                "observator telt. Wissel van rol.",
                "Practise in threes",
                "Five minutes per round: the storyteller tells, the listener asks on, the "
                "observer counts. Swap roles.",
            ),
            Step(
                10,
                "Nabespreken",
                "Welke vraag bracht het gesprek verder? Schrijf hem op de telefoon.",
                "Debrief",
                "Which question took the conversation further? Write it on your phone.",
                "Welke vraag bracht het gesprek verder?",
                "Which question took the conversation further?",
            ),
        ),
    ),
)


def load(apps: Any) -> None:
    """Write the library into the database (historical models when ``apps`` is a migration's
    app registry). Idempotent."""
    Format = apps.get_model("practice", "Format")
    FormatStep = apps.get_model("practice", "FormatStep")
    Intervention = apps.get_model("interventions", "Intervention")
    Recommendation = apps.get_model("interventions", "Recommendation")
    for entry in LIBRARY:
        fmt, _created = Format.objects.update_or_create(
            school=None,
            slug=entry.slug,
            defaults={
                "kind": entry.kind,
                "minutes": entry.minutes,
                "group_min": entry.group[0],
                "group_max": entry.group[1],
                **{
                    f"{name}_{lang}": getattr(text, name)
                    for lang, text in (("nl", entry.nl), ("en", entry.en))
                    for name in ("title", "purpose", "roles", "phrases", "pitfalls")
                },
            },
        )
        FormatStep.objects.filter(format=fmt).delete()
        FormatStep.objects.bulk_create(
            FormatStep(
                format=fmt,
                order=number,
                minutes=step.minutes,
                title_nl=step.title_nl,
                title_en=step.title_en,
                instruction_nl=step.instruction_nl,
                instruction_en=step.instruction_en,
                prompt_nl=step.prompt_nl,
                prompt_en=step.prompt_en,
            )
            for number, step in enumerate(entry.steps, start=1)
        )
        fmt.interventions.set(
            [
                Intervention.objects.get(theme__number=theme, number=number, school=None)
                for theme, number in entry.interventions
            ]
        )
        fmt.recommendations.set(Recommendation.objects.filter(number__in=entry.recommendations))
