"""The words that introduce a quotation, per language: one place for every list, so that whatever
decides whether a sentence can hold an attribution reads the same words the quotation finders do.

* `REPORTING_VERBS["en"]`: English lemmas (the parse gives the lemma). Other languages: the inflected
  forms news copy uses (no parse is needed to match them): the third person of the present and past,
  the perfect's participle ("a déclaré", "ha detto": the auxiliary is matched apart, see
  `AUXILIARIES`).
* `ACCORDING_TO`: the words that attribute a statement to a source named right after them
  ("according to", "laut", "selon", "volgens", "segundo", "según", "secondo").
* `ARTICLES`, `ADDRESSEES`: the articles that open a description of a speaker, and the
  prepositions of the one spoken to, who may stand between a verb and its subject.
* `OPINION_OPENERS`: the word that, opening a sentence before a person and a comma, gives that
  person's view ("Para el ministro, «…»", "Pour X, « … »").
* German separable verbs ("fügte ... hinzu") are matched by their verb alone.
* `PRONOUNS`: third-person singular subject pronouns, which name the last person named before them.
* `ATTRIBUTION_VERBS_EN`: English verbs that, with a subject and a complement, attribute the
  complement to the subject though they are not verbs of saying ("accuse", "endorse", "vow"):
  learned from PolNeAR train by `benchmarks/quote_cues_fit.py` into data/attribution_verbs_en.tsv.
"""

from __future__ import annotations

import re
from importlib import resources

REPORTING_VERBS: dict[str, frozenset[str]] = {
    "en": frozenset(
        """say tell add argue declare claim insist note write warn ask explain state announce acknowledge
        admit contend predict promise deny assert recall reply respond answer suggest report tweet post
        remark observe comment conclude emphasize stress maintain allege testify vow pledge boast
        complain concede confirm disclose reveal repeat urge caution counter quip joke muse wonder
        believe think charge estimate propose recommend indicate exclaim shout yell scream continue
        mention recount proclaim lament cite quote read tout retort fume chant sing plead demand
        threaten thunder predict reason call describe praise criticize slam blast dub bark snap"""
        .split()
    ),
    "de": frozenset(
        """sagen erklären betonen schreiben meinen warnen fordern berichten
        sagt sagte sagten gesagt erklärt erklärte erklärten betont betonte betonten meint meinte
        meinten schreibt schrieb schrieben geschrieben fügt fügte ergänzt ergänzte berichtet berichtete
        kritisiert kritisierte warnt warnte fordert forderte räumt räumte so antwortet antwortete
        erzählt erzählte versichert versicherte bekräftigt bekräftigte unterstreicht unterstrich
        verspricht versprach stellt stellte teilt teilte kündigt kündigte zitiert zitierte
        argumentiert argumentierte glaubt glaubte findet fand bestätigt bestätigte ruft rief
        verweist verwies mahnt mahnte appelliert appellierte kommentiert kommentierte schildert
        schilderte beschreibt beschrieb erinnert erinnerte resümiert resümierte bilanziert
        bilanzierte räumt räumte gesteht gestand klagt klagte beklagt beklagte lobt lobte
        widerspricht widersprach entgegnet entgegnete erwidert erwiderte fragt fragte scherzt
        scherzte seufzt seufzte lacht lachte twittert twitterte postet postete zitiert zitierte
        sagen erzählen ergänzen unterstreichen hinzufügen begründet begründete präzisiert präzisierte"""
        .split()
    ),
    "fr": frozenset(
        """disent expliquent affirment estiment précisent soulignent indiquent ajoutent
        dit déclaré déclare affirmé affirme expliqué explique ajouté ajoute souligné souligne estimé
        estime indiqué indique précisé précise assuré assure confié confie lancé lance répondu répond
        annoncé annonce averti avertit insisté insiste rappelé rappelle martelé martèle reconnu
        reconnaît raconté raconte écrit jugé juge commenté commente regretté regrette dénoncé dénonce
        poursuivi poursuit confirmé confirme déplore déploré observe observé
        résume résumé conseille conseillé note noté relève relevé soutient soutenu glisse glissé
        soupire soupiré tranche tranché détaille détaillé nuance nuancé admet admis prévient prévenu
        avance avancé témoigne témoigné s'exclame ironise ironisé analyse analysé lâche lâché
        insiste"""
        .split()
    ),
    "nl": frozenset(
        """zeggen stellen schrijven melden waarschuwen benadrukken
        zegt zei zeiden gezegd verklaart verklaarde verklaard stelt stelde gesteld benadrukt
        benadrukte schrijft schreef geschreven voegt voegde toe laat liet weten legt legde uit
        vertelt vertelde verteld meldt meldde gemeld waarschuwt waarschuwde aldus antwoordt antwoordde
        erkent erkende denkt dacht vindt vond noemt noemde reageert reageerde"""
        .split()
    ),
    "pt": frozenset(
        """dizem afirmam explicam disseram afirmaram explicaram
        disse diz afirmou afirma declarou declara explicou explica acrescentou acrescenta
        destacou destaca salientou salienta sublinhou sublinha garantiu garante contou conta
        referiu refere defendeu defende avisou avisa alertou alerta respondeu responde admitiu
        admite ressaltou ressalta observou observa comentou comenta considerou considera
        frisou frisa adiantou adianta escreveu escreve dito afirmado declarado
        lamentou lamenta concluiu conclui reforçou reforça apontou aponta relatou relata
        dizendo afirmando"""
        .split()
    ),
    "es": frozenset(
        """dicen afirman explican señalan dijeron afirmaron explicaron señalaron
        dijo dice afirmó afirma declaró declara explicó explica añadió añade agregó agrega
        aseguró asegura señaló señala indicó indica destacó destaca subrayó subraya sostuvo sostiene
        advirtió advierte manifestó manifiesta comentó comenta respondió responde reconoció
        reconoce insistió insiste apuntó apunta contó cuenta expresó expresa escribió escribe
        dicho afirmado declarado lamentó lamenta sumó suma concluyó concluye aclaró aclara
        remarcó remarca enfatizó enfatiza detalló detalla mencionó menciona citó cita reclamó
        reclama relató relata admitió admite denunció denuncia criticó critica preguntó pregunta
        contestó contesta exigió exige recordó recuerda precisó precisa puntualizó puntualiza
        reafirmó reafirma anunció anuncia arguyó arguye arguyendo cuestionó cuestiona
        diciendo señalando afirmando asegurando explicando"""
        .split()
    ),
    "it": frozenset(
        """dicono spiegano scrivono affermano sottolineano dissero
        detto dice disse dichiarato dichiara spiegato spiega aggiunto aggiunge affermato afferma
        sottolineato sottolinea ribadito ribadisce commentato commenta osservato osserva
        precisato precisa sostenuto sostiene assicurato assicura raccontato racconta risposto
        risponde scritto scrive avvertito avverte annunciato annuncia confermato conferma
        spiegò aggiunse affermò dichiarò sottolineò"""
        .split()
    ),
}

# Auxiliaries of a compound past before a participle above: "a déclaré", "ha detto", "heeft gezegd".
AUXILIARIES: dict[str, frozenset[str]] = {
    "de": frozenset("hat haben hatte hatten".split()),
    "fr": frozenset("a ont avait avaient".split()),
    "nl": frozenset("heeft hebben had hadden".split()),
    "pt": frozenset("tem têm tinha havia".split()),
    "es": frozenset("ha han había habían".split()),
    "it": frozenset("ha hanno aveva avevano".split()),
}

ACCORDING_TO: dict[str, tuple[str, ...]] = {
    "en": ("according to",),
    "de": ("laut", "nach Angaben von", "nach Ansicht von", "nach Worten von", "aus Sicht von",
           "nach Meinung von", "nach Auffassung von"),
    "fr": ("selon", "d'après", "d’après"),
    "nl": ("volgens",),
    "pt": ("segundo", "de acordo com", "conforme"),
    "es": ("según", "de acuerdo con"),
    "it": ("secondo", "stando a"),
}

# "For X, …": a sentence opening with one of these, a person and a comma gives that person's view
# (`Para el economista Juan Rallo, «…»`, `Pour la ministre, « … »`). Only so placed: elsewhere the
# word is a plain preposition (`trabaja para Google`).
OPINION_OPENERS: dict[str, str] = {"es": "para", "pt": "para", "fr": "pour", "it": "per"}

# The articles that open a description of the speaker (`le ministre`, `el portavoz`): a subject's,
# so none that is also a preposition in the language (Spanish `a`, Italian `a`).
ARTICLES: dict[str, tuple[str, ...]] = {
    "de": ("der", "die", "das", "ein", "eine"),
    "fr": ("le", "la", "les", "l’", "l'", "un", "une"),
    "nl": ("de", "het", "een"),
    "pt": ("o", "a", "os", "as", "um", "uma"),
    "es": ("el", "la", "los", "las", "un", "una"),
    "it": ("il", "lo", "la", "i", "gli", "le", "l’", "l'", "un", "uno", "una"),
}

# Prepositions that put the one spoken to between a verb and its subject (`dijo a Efe el portavoz`,
# `a déclaré à l'AFP le ministre`, `ha detto all'ANSA il sindaco`); Portuguese `a` is left out, being
# also the article of a subject (`disse a ministra`).
ADDRESSEES: dict[str, tuple[str, ...]] = {
    "fr": ("à", "au", "aux"),
    "nl": ("aan",),
    "pt": ("à", "ao", "aos", "às"),
    "es": ("a", "al"),
    "it": ("a", "al", "alla", "allo", "ai", "agli", "alle", "all’", "all'"),
}

PRONOUNS: dict[str, frozenset[str]] = {
    "en": frozenset("he she".split()),
    "de": frozenset("er sie".split()),
    "fr": frozenset("il elle".split()),
    "nl": frozenset("hij zij ze".split()),
    "pt": frozenset("ele ela".split()),
    "es": frozenset("él ella".split()),
    "it": frozenset("lui lei".split()),
}

# Words that open a clause like a subject but never speak: capitalised conjunctions, adverbs,
# prepositions (not those that are also surnames or their particles: "de", "da", "di", "van", "von",
# Italian "Durante", Dutch "in 't Veld") and labels of the other
# languages (`Aber: „…“`, `Fazit: „…“`), compared in lower case.
NOT_SPEAKERS: dict[str, frozenset[str]] = {
    "de": frozenset("""aber und doch denn oder also dann auch nur sondern zudem außerdem ausserdem
        fazit frage antwort motto zitat tenor dabei dazu damit daher deshalb trotzdem jedoch allerdings
        heute gestern morgen hier dort so zum zur wie was wer warum wo wann nun jetzt immerhin kurz
        zunächst zuerst danach später schließlich vorher anschließend erst noch bereits
        in im an am auf mit nach von vom vor bei beim für über unter zwischen aus seit während trotz wegen
        durch gegen ohne um
        beispiel dass es als zugleich gleichzeitig ebenso""".split()),
    "fr": frozenset("""mais et donc or puis ensuite enfin alors aussi ainsi pourtant cependant bref
        aujourd'hui hier ici là quand comment pourquoi
        pour par avec sans en dans depuis sur sous chez contre entre vers selon après avant
        pendant""".split()),
    "es": frozenset("""pero y además sin embargo también así entonces hoy ayer aquí allí cuando cómo
        por qué
        para con en desde hasta sobre tras ante contra entre hacia según""".split()),
    "pt": frozenset("""mas e além também assim então hoje ontem aqui ali quando como
        para por com sem em desde até sobre contra entre""".split()),
    "it": frozenset("""ma e inoltre anche così allora oggi ieri qui quando come
        per con senza in su tra fra contro""".split()),
    "nl": frozenset("""maar en dus ook toen nu vandaag gisteren hier daar wanneer hoe
        voor met zonder op bij naar uit sinds tijdens volgens door tegen over onder""".split()),
}

# The word that opens a reported clause ("dijo que «…»", "ajoute qu'il « … »", "disse che").
THAT: dict[str, str] = {"de": "dass", "fr": "que|qu['’]\\w*", "es": "que|cómo", "pt": "que", "it": "che",
                        "nl": "dat"}

# Languages whose finite verb often has no subject pronoun ("«…», lamentó."): the speaker is the one
# the text is quoting.
PRO_DROP = frozenset({"es", "pt", "it"})

LANGUAGES = frozenset(REPORTING_VERBS)


def _attribution_verbs() -> frozenset[str]:
    table = resources.files("newsdesk.enrich").joinpath("data/attribution_verbs_en.tsv")
    lines = table.read_text(encoding="utf-8").splitlines()
    return frozenset(line.split("\t", 1)[0] for line in lines if line and not line.startswith("#"))


ATTRIBUTION_VERBS_EN = _attribution_verbs()


def cue_pattern(language: str) -> re.Pattern[str] | None:
    """A regular expression matching any of a language's reporting verbs or according-to words as
    whole words (case-insensitive); None for a language with no list. English matches lemmas' stems."""
    verbs = REPORTING_VERBS.get(language)
    if verbs is None:
        return None
    if language == "en":
        stems = {verb[:4] for verb in verbs | ATTRIBUTION_VERBS_EN}
        words = sorted(stems | {"said", "told", "thought", "wrote", "according"})
        return re.compile(r"\b(?:" + "|".join(words) + ")", re.IGNORECASE)
    words = sorted(verbs | set(ACCORDING_TO[language]), key=len, reverse=True)
    return re.compile(r"(?<!\w)(?:" + "|".join(map(re.escape, words)) + r")(?!\w)", re.IGNORECASE)

