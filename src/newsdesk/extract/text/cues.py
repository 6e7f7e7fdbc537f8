"""Word lists and phrase cues that tell page chrome from prose in flattened text, in several languages.

Kept apart from the rules that use them so the lists can grow without touching the logic. Every
pattern is a flat alternation with no nested quantifiers, so matching a line is linear in its length.
"""

from __future__ import annotations

import re

# Function words of the languages most news is written in. Prose is dense with them, menus and link
# lists are not: this is the feature jusText showed to separate the two best. One merged set is enough
# because the density of a foreign language's function words in a line is near zero either way.
_STOP_WORDS_BY_LANGUAGE = {
    "en": """a about above after again against all also am an and any are as at be because been before
        being between both but by can could did do does doing down during each few for from further had
        has have having he her here hers herself him himself his how i if in into is it its itself just
        me more most my myself no nor not now of off on once only or other our ours out over own same she
        should so some such than that the their theirs them then there these they this those through to
        too under until up very was we were what when where which while who whom why will with would you
        your yours yourself said says would could may might must one two new first last year years""",
    "de": """aber als am an auch auf aus bei bin bis da damit dann das dass dem den denn der des die dies
        doch dort du durch ein eine einem einen einer eines er es für gegen hat hatte ich ihr im in ist
        ja jedoch kann kein mit nach nicht noch nun nur ob oder ohne sehr sein sich sie sind so über um
        und uns unter vom von vor war waren was weil wenn werden wie wir wird wurde zu zum zur zwischen""",
    "fr": """au aux avec ce ces cette dans de des du elle en est et eux il ils je la le les leur lui ma
        mais me même mes moi mon ne nos notre nous on ou où par pas pour qu que qui sa se ses son sont
        sur ta te tes toi ton tu un une vos votre vous été être avoir a ont était plus comme aussi""",
    "es": """al algo como con cual cuando de del desde donde el ella ellos en entre era es esta este esto
        fue ha han hasta la las le les lo los más me mi muy no nos o para pero por que se ser si sin sobre
        su sus también tiene un una uno y ya está son había""",
    "it": """a ad al alla alle anche che chi ci come con da dal dalla degli dei del della delle di e è gli
        ha hanno i il in la le lo loro ma mi ne nel nella non o per più quando quella questo se si sono su
        sua suo tra un una uno era essere stato""",
    "pt": """a ao aos as com como da das de do dos e é ela ele eles em entre era essa esse esta este foi
        isso mais mas na nas no nos o os ou para pela pelo por que se sem seu sua são também um uma não""",
    "nl": """aan al als bij dan dat de der deze die dit door een en er had heb heeft het hij hoe ik in is
        je kan maar met naar niet nog nu of om ons ook op over te tot uit van voor was wat we werd wie
        wij worden zal ze zich zijn zo""",
    "sv": """att av de den det där efter en ett för från har hon i inte jag med men mot när och om på
        som till under var vi vid är också""",
    "pl": """a aby ale bo by być czy dla do i ich jak jest jego jej już na nie o od po przez się są ta
        tak te to tylko w we z za że oraz który która które""",
    "ru": """а без бы был была были было в вы где да для до его ее если есть еще же за и из или им их к
        как когда ко кто ли мы на над не него нет но о об он она они от по под при с со так также то
        того только у уже что это этот я""",
    "id": """ada adalah akan dan dari dengan di ini itu ke karena kami mereka pada saat sebagai sudah
        tidak untuk yang juga dalam oleh""",
    "tr": """ve bir bu da de için ile çok daha gibi olarak olan ama en her ne kadar sonra değil""",
}
STOP_WORDS: frozenset[str] = frozenset(
    word for words in _STOP_WORDS_BY_LANGUAGE.values() for word in words.split()
)

# Short lines that are chrome whatever surrounds them: sharing, accounts, ads, navigation, legal.
# Matched at the start of a short line (see `text_lines`), so "Share this" is caught but a sentence
# that mentions sharing is not.
_CHROME_STARTS = r"""
share|shares|sharing|tweet|pin\ it|email|e-mail|print|whatsapp|facebook|twitter|linkedin|reddit|
pinterest|flipboard|instagram|youtube|telegram|copy\ link|copy\ url|
subscribe|subscription|sign\ in|sign\ up|sign\ out|log\ in|login|log\ out|logout|register|my\ account|
newsletter|follow\ us|follow|join\ us|get\ the\ app|download\ the\ app|
advertisement|advertising|advertise|sponsored|ad\b|ads\b|promoted|
skip\ to|jump\ to|toggle|menu|search|close|open|home|back\ to|go\ to|
cookie|cookies|privacy|terms\ of|terms\ and|terms\ &|accept|got\ it|ok\b|
loading|please\ wait|javascript|enable\ javascript|your\ browser|
image\ \d|photo\ \d|\d+\ /\ \d+|\d+\ of\ \d+|caption|enlarge|expand|hide\ caption|toggle\ caption|
click\ here|tap\ here|learn\ more|find\ out\ more|show\ more|load\ more|view\ more|
posted\ in|tagged|categories|category|topics|
teilen|drucken|anmelden|abonnieren|anzeige|werbung|suche|startseite|
partager|imprimer|connexion|s'abonner|abonnez|publicité|recherche|accueil|
compartir|imprimir|suscríbete|suscribirse|publicidad|buscar|inicio|
condividi|stampa|accedi|abbonati|pubblicità|cerca|
compartilhar|assine|publicidade|pesquisar|
delen|zoeken|advertentie|
поделиться|подписаться|реклама|поиск|главная
"""

# Lines that open a list of other articles. Such boxes also sit inside articles, so crossing one costs
# the region chooser a lot but does not forbid it.
_RELATED_STARTS = r"""
related|recent\ articles|recent\ posts|recent\ stories|recent\ news|recent$|
latest\ news|latest\ articles|latest\ stories|latest$|
more:|more$|more\ from|more\ on\ this|more\ stories|more\ news|more\ articles|more\ in\b|
read\ more|read\ next|read\ also|also\ read|see\ also|see\ more|continue\ reading|keep\ reading|
you\ may\ also|you\ might\ also|you\ might\ like|you\ may\ like|we\ recommend|recommended|
most\ popular|most\ read|most\ viewed|most\ shared|trending|top\ stories|popular\ posts|popular$|
editor's\ picks|editors'\ picks|don't\ miss|around\ the\ web|from\ the\ web|promoted\ stories|
weitere\ artikel|mehr\ zum\ thema|lesen\ sie\ auch|auch\ interessant|
à\ lire\ aussi|lire\ aussi|voir\ aussi|sur\ le\ même\ sujet|
te\ puede\ interesar|te\ puede\ gustar|también\ te\ puede|lee\ también|noticias\ relacionadas|
vous\ aimerez|vous\ aimerez\ aussi|das\ könnte\ sie|das\ könnte\ dich|könnte\ sie\ auch|könnte\ dich\ auch|
você\ pode\ gostar|você\ também\ pode|potrebbe\ interessarti|ti\ potrebbe|
leggi\ anche|articoli\ correlati|leia\ também|veja\ também|lees\ ook|читайте\ также
"""

# Sharing bars, tag lists and links to the neighbouring articles: a boundary like a related list.
_BOUNDARY_STARTS = r"""
share\ this|share\ on|share\ via|share\ article|share\ the\ story|share\ story|filed\ under|tags|tagged\ with|
previous\ article|next\ article|previous\ post|next\ post|older\ post|newer\ post|
schlagwörter|schlagworte|stichwörter|markiert\ mit|étiquettes|mots-clés|etiquetas|
vorheriger\ artikel|nächster\ artikel|article\ précédent|article\ suivant
"""

# Lines after which the article is over for good: comments, author bios, copyright footers.
_FINAL_STARTS = r"""
comments|comment|\d+\ comments|leave\ a\ reply|leave\ a\ comment|post\ a\ comment|add\ a\ comment|
join\ the\ discussion|join\ the\ conversation|conversation$|discussion$|\d+\ responses|responses$|
view\ all\ posts|view\ all\ articles|all\ posts\ by|more\ posts\ by|about\ the\ author|about\ author|
all\ rights\ reserved|
kommentare|commentaires|comentarios|commenti|comentários|reacties|комментарии
"""

# "Read more: Other headline", "RELATED: Other headline": a link to another article inside the body.
RELATED_LINK = re.compile(r"(?:" + _RELATED_STARTS.replace("\n", "") + r")\s?[:|»>]", re.IGNORECASE)
# "Other headline [VIDEO]", "Other headline [PICS]|": a teaser link, tagged by its medium.
LINK_TAG_END = re.compile(r"\[\s?[A-Z]{3,12}\s?\]\s?\|?$")
# "About Jane Doe", "Über Moritz Bachmann", "About Ascom": the heading of a bio or a company boilerplate.
ABOUT_HEADING = re.compile(
    r"(?i:about|über|sobre|à propos de|a propos de|acerca de|informazioni su)\s(?i:the\s)?[A-ZÀ-Þ]"
)
CHROME_START = re.compile(r"(?:" + _CHROME_STARTS.replace("\n", "") + r")(?:\W|$)", re.IGNORECASE)
RELATED_START = re.compile(r"(?:" + _RELATED_STARTS.replace("\n", "") + r")(?:\W|$)", re.IGNORECASE)
BOUNDARY_START = re.compile(r"(?:" + _BOUNDARY_STARTS.replace("\n", "") + r")(?:\W|$)", re.IGNORECASE)
FINAL_START = re.compile(r"(?:" + _FINAL_STARTS.replace("\n", "") + r")(?:\W|$)", re.IGNORECASE)
# A comment's header: "thelastchargersfan says:", "Jane Doe said..."
COMMENT_HEADER = re.compile(r"\b(?:says|said|wrote|writes|schreibt|a écrit|dice|disse)\s?:$", re.IGNORECASE)

# Long lines can be chrome too: cookie notices and legal footers are whole sentences, and so are
# calls to subscribe (those only when short, as an article may mention a newsletter).
NOTICE_WORDS = (
    "cookies",
    "cookie policy",
    "privacy policy",
    "all rights reserved",
    "terms of use",
    "terms of service",
    "adblock",
    "ad blocker",
    " i cookie",
    "dei cookie",
    "registered trademark",
    "trademarks of",
)
PROMO_WORDS = ("javascript", "newsletter", "sign up for", "subscribe to", "subscribers only", "free trial")
# Searched in the lower-cased line: literal alternatives without IGNORECASE are quick to scan.
NOTICE = re.compile("|".join(map(re.escape, NOTICE_WORDS)))
PROMO = re.compile("|".join(map(re.escape, PROMO_WORDS)))

# Credits and captions of photos: "Photo: Reuters", "... (AP Photo/Jane Doe)", "... Credit... Getty Images".
# The end pattern is searched in a line's last characters only, which keeps it linear.
CAPTION_START = re.compile(
    r"(?:photo|photograph|picture|image|foto|bild|credit|caption|source)s?(?:\s(?:credit|by))?\s?[:|]",
    re.IGNORECASE,
)
CAPTION_END = re.compile(
    r"(?:getty images|shutterstock|\((?:ap |afp |reuters )?(?:photo|image|picture|foto)\b[^)]{0,80}\)"
    r"|/\s?(?:reuters|afp|ap|epa|getty images|the new york times)\)?|credit\.\.\.[^.]{0,80}"
    r"|\b(?:photo|photograph|image|credit)s?:\s[^.]{0,60})\s?$",
    re.IGNORECASE,
)

# Words one of which every CAPTION_END alternative contains (besides "/"), to skip the search cheaply.
CAPTION_END_WORDS = ("getty", "shutterstock", "photo", "image", "picture", "foto", "credit")

# An image's file name left by a text flattener: "241001 handover rdax 775x441p", "IMG_2031.jpg".
IMAGE_FILE_NAME = re.compile(
    r"\.(?:jpe?g|png|gif|webp|avif|svg|tiff?)\b|\b\d{2,5}\s?x\s?\d{2,5}[a-z]?\b|\b(?:img|dsc|dscn|dscf)[_-]?\d+",
    re.IGNORECASE,
)

# A gallery's counter, which stands where the image was: "Image 1 of 5", "Photo 3/12".
GALLERY_COUNTER = re.compile(
    r"(?:image|photo|picture|slide|foto|bild|imagen|immagine)\s?\d{1,3}\s?(?:of|/|von|de|di|sur)\s?\d{1,3}\b",
    re.IGNORECASE,
)

# Roles an author bio gives its subject: "Kyle Anzalone is news editor of ...".
BIO_ROLE = re.compile(
    r"\b(?:editor|writer|journalist|reporter|correspondent|columnist|contributor|author|blogger"
    r"|producer|analyst|freelance|host|co-host|founder|fellow|professor|researcher|photographer"
    r"|redakteur|journalistin|journaliste|rédacteur|periodista|redactor|giornalista)",
    re.IGNORECASE,
)


def _first_words(*alternations: str) -> set[str]:
    """The words the alternatives of cue patterns start with ("recent\\ articles" -> "recent").

    Alternatives that start with a digit class or a symbol are left out: lines that do not start with
    a letter are always checked against every pattern.
    """
    words = set()
    for alternation in alternations:
        for alternative in alternation.replace("\n", "").split("|"):
            word = re.split(r"\\[ b]|[$:]", alternative, maxsplit=1)[0].lower()
            if word[:1].isalpha():
                words.add(word)
    return words


# A line whose first word is none of these cannot match a start cue, and skips all those patterns:
# most lines of a page, so the check keeps long pages fast.
CUE_FIRST_WORDS = frozenset(
    _first_words(_CHROME_STARTS, _RELATED_STARTS, _BOUNDARY_STARTS, _FINAL_STARTS)
    | {"about", "über", "sobre", "à", "acerca", "informazioni"}
    | {"image", "images", "photo", "photos", "picture", "pictures", "slide", "foto", "fotos", "bild"}
    | {"imagen", "immagine", "photograph", "photographs", "credit", "credits", "caption", "source"}
)
