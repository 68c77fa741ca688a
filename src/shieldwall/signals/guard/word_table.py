"""Keyword rules for 21 more languages, built from one table of words per language.

``languages`` writes each language's patterns by hand. That does not scale to every language a
service meets, so the languages added in the fifth session on issue 16 are written as *words*
instead, one ``Words`` row per language, script or transliteration, and ``lexicon_from_words``
turns a row into the same ``Lexicon`` groups with one set of templates:

* ``undress``: a word for naked; an undress verb; a remove verb followed (within three words,
  or 24 characters in unspaced scripts) by a garment; a garment next to a see-through word;
  "without" before a garment. Languages that put the verb last (Persian, Bengali, Urdu, Tamil,
  Amharic, Hungarian) also match the garment first;
* ``sexualise``: underwear, lingerie, a bikini, "sexy" or "provocative";
* ``person``, ``pronoun``, ``photo``, ``informational``, ``outerwear`` as in ``languages``;
* ``dress_up``: a verb that puts clothes on someone ("dress him in a suit"), an ordinary edit
  when no intent is found;
* ``recolour``: the word for a colour, which marks a request to recolour a garment ("make her
  swimsuit a different colour"): the guard does not count a swimwear or underwear word on its
  own in such a request (an undress intent still counts).

So a reviewer reads words, not regular expressions, and a new language is a new row. The
words come from general knowledge of each language and were checked against the tuning prompts
in ``tests/unit/signals/guard/tuning_extra.py``, never against a fresh or held-out set. Latin
letters are written without accents (the lexicon's folded view drops them; ``ø``, ``æ`` and the
Hausa hooked letters stay); Greek is written with ``σ`` for the final sigma (case folding turns
``ς`` into ``σ``). Plain words only: nothing here is explicit, and nothing here generates
anything. The module is longer than the house's ~400 lines because it is a table: one row per
language, no logic.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from shieldwall.signals.guard.languages import Lexicon


@dataclass(frozen=True, slots=True)
class Words:
    """One language's words (each a small regular expression) for the templates above."""

    language: str
    bounded: bool = True
    verb_last: bool = False
    nude: tuple[str, ...] = ()
    strip: tuple[str, ...] = ()
    remove: tuple[str, ...] = ()
    clothes: tuple[str, ...] = ()
    see_through: tuple[str, ...] = ()
    without: tuple[str, ...] = ()
    underwear: tuple[str, ...] = ()
    sexy: tuple[str, ...] = ()
    nudify: tuple[str, ...] = ()
    person: tuple[str, ...] = ()
    pronoun: tuple[str, ...] = ()
    photo: tuple[str, ...] = ()
    informational: tuple[str, ...] = ()
    outerwear: tuple[str, ...] = ()
    recolour: tuple[str, ...] = ()
    dress_up: tuple[str, ...] = ()


_COLOURS = (
    r"(?:red|blue|green|yellow|black|white|navy|pink|purple|orange|grey|gray|brown|beige|teal|"
    r"gold|silver|maroon|turquoise)"
)
"""English colour names, for "green instead of blue" (a colour name alone marks nothing)."""


def _alt(words: tuple[str, ...]) -> str:
    return "(?:" + "|".join(words) + ")"


def lexicon_from_words(row: Words) -> Lexicon:
    """The ``Lexicon`` that the templates in the module docstring make of one row."""
    gap = r"(?:\S+\s+){0,3}" if row.bounded else r".{0,24}?"
    sep = r"\s+" if row.bounded else r"\s*"
    undress = [*row.nude, *row.strip]
    clothes = _alt(row.clothes) if row.clothes else ""
    if row.remove and clothes:
        # "scoate-i hainele": a clitic joined by a hyphen belongs to the verb.
        undress.append(rf"{_alt(row.remove)}(?:-\w+)?{sep}{gap}{clothes}")
        if row.verb_last:
            undress.append(rf"{clothes}{sep}{gap}{_alt(row.remove)}")
    if row.see_through and clothes:
        undress.append(rf"{clothes}{sep}{gap}{_alt(row.see_through)}")
        undress.append(rf"{_alt(row.see_through)}{sep}{gap}{clothes}")
    if row.without and clothes:
        undress.append(rf"{_alt(row.without)}{sep}(?:\S+\s+)?{clothes}")
        if row.verb_last:
            undress.append(rf"{clothes}{sep}(?:\S+\s+)?{_alt(row.without)}")

    def norm(patterns: list[str] | tuple[str, ...]) -> tuple[str, ...]:
        # Patterns are compared with NFKC text (Bengali letters with a nukta, for one).
        return tuple(unicodedata.normalize("NFKC", p) for p in patterns)

    return Lexicon(
        row.language,
        row.bounded,
        undress=norm(undress),
        sexualise=norm([*row.underwear, *row.sexy]),
        nudify=norm(row.nudify),
        person=norm(row.person),
        pronoun=norm(row.pronoun),
        photo=norm(row.photo),
        informational=norm(row.informational),
        outerwear=norm(row.outerwear),
        recolour=norm(row.recolour),
        dress_up=norm(row.dress_up),
    )


ROWS: tuple[Words, ...] = (
    Words(
        "nl",
        nude=(r"\w*naakt\w*", r"bloot", r"ontbloot\w*"),
        strip=(
            r"kleed\s+(?:\S+\s+){0,2}uit",
            r"uit\s*te\s*kleden",
            r"uitkleden",
            r"ontkle\w*",
            # "trek" and "doe" are English words too: they count only with "uit" (off).
            r"(?:trek|doe)\s+(?:\S+\s+){0,3}(?:kleren|kleding|jurk\w*|bh|beha|broek\w*|"
            r"ondergoed|rok|topje|bikini)\s+uit",
        ),
        remove=(r"haal", r"verwijder\w*", r"wis"),
        clothes=(
            r"kleren|kleding|kledij|jurk\w*|bh|beha|broek\w*|ondergoed|lingerie|rok|rokje|"
            r"topje|bikini",
        ),
        see_through=(r"doorzichtig\w*|doorschijnend\w*",),
        without=(r"zonder",),
        underwear=(r"ondergoed|lingerie|bikini|beha",),
        sexy=(r"sexy|uitdagend\w*|erotisch\w*|verleidelijk\w*|geil\w*|pikant\w*|pittig\w*",),
        person=(
            r"collega|klasgeno\w*|buurvrouw|buurmeisje|ex|zus|zusje|lerares|meisje|vrouw|"
            r"nicht|vriendin",
        ),
        pronoun=(r"haar|zij|ze",),
        photo=(r"foto\w*|afbeelding\w*|plaatje\w*",),
        informational=(r"hoe\s+meld\w*|meld\w*|rapporteer\w*|waarom|leg\s+uit|uitleg",),
        outerwear=(
            r"jas|jassen|hoed|pet|\w*bril|sjaal|stropdas|pak|colbert|achtergrond|watermerk|logo|"
            r"vlek\w*|kreukel\w*|toeristen",
        ),
        recolour=(r"kleur\w*",),
        dress_up=(r"aankle\w*|trek\s+(?:haar|hem)\s+(?:\S+\s+){0,3}aan|geef\s+(?:haar|hem)",),
    ),
    Words(
        "uk",
        nude=(
            r"гол(?:а|ою|ої|у|ий|і|им|их|е)",
            r"оголен\w*",
            r"оголи\w*",
            r"голяка",
            r"на\s+(?:ній|ньому)\s+нічого",
        ),
        strip=(r"роздяг\w*",),
        remove=(r"зніми\w*|зняти|прибери\w*|прибрати|видали\w*|видалити",),
        clothes=(r"одяг\w*|сукн\w*|білизн\w*|бюстгальтер\w*|ліфчик\w*|трус\w*|спідниц\w*",),
        see_through=(r"прозор\w*",),
        without=(r"без",),
        underwear=(r"білизн\w*|бікіні",),
        sexy=(r"сексуальн\w*|сексі|еротичн\w*|спокусли\w*",),
        person=(
            r"однокласниц\w*|колег\w*|сусідк\w*|дівчин\w*|жінк\w*|вчительк\w*|сестр\w*|"
            r"колишн\w*|подруг\w*",
        ),
        pronoun=(r"її|неї|вона|нею",),
        photo=(r"фото\w*|знімк\w*|світлин\w*",),
        informational=(r"як\s+повідомити|повідом\w*|поскарж\w*|чому|поясни\w*",),
        outerwear=(
            r"окуляр\w*|капелюх\w*|шапк\w*|пальто|куртк\w*|піджак\w*|фон|"
            r"водян\w*\s+знак\w*|пляму",
        ),
        recolour=(r"колір|кольор\w*",),
        dress_up=(r"одяг?ни\w*|вдягни\w*",),
    ),
    Words(
        "uk-Latn",
        nude=(r"hol(?:oyu|oyi|u|yi|ym|ykh)", r"oholen\w*", r"holyaka"),
        strip=(r"rozdyah\w*|rozdiah\w*|rozdyag\w*",),
        remove=(r"znimy\w*|prybery\w*|vydaly\w*",),
        clothes=(r"odyah\w*|odiah\w*|odyag\w*|sukn\w*|bilyzn\w*|lifchyk\w*",),
        see_through=(r"prozor\w*",),
        without=(r"bez",),
        underwear=(r"bilyzn\w*",),
        sexy=(r"seksual\w*|seksi",),
        person=(r"kolehy|kolehu|kolez\w*|susidk\w*|divchyn\w*|odnoklasnyts\w*|sestr\w*",),
        pronoun=(r"yiyi|yii|neyi|vona",),
        photo=(r"foto\w*",),
        informational=(r"yak\s+povidomyty|chomu",),
        outerwear=(r"okulyar\w*|kapelyukh\w*|pidzhak\w*|fon|palto",),
        recolour=(r"kolir|kolor\w*",),
        dress_up=(r"odyahny\w*|vdyahny\w*",),
    ),
    Words(
        "fa",
        verb_last=True,
        nude=(r"برهنه\w*", r"لخت\w*", r"عریان\w*"),
        remove=(r"در\s*بیاور|در\s*بیار|دربیاور|دربیار|بکن|پاک\s*کن|حذف\s*کن|بردار",),
        clothes=(r"لباس\w*|پیراهن\w*|سوتین\w*|شورت\w*|دامن\w*",),
        see_through=(r"شفاف\w*|بدن\s*نما",),
        without=(r"بدون|بی",),
        underwear=(r"لباس\s*زیر\w*|بیکینی|مایو",),
        sexy=(r"سکسی|تحریک\s*آمیز|شهوانی",),
        person=(r"همکار\w*|همکلاسی\w*|همسایه\w*|دختر\w*|زن|خاله|معلم\w*|خواهر\w*",),
        pronoun=(r"او|اورا|اون",),
        photo=(r"عکس\w*|تصویر\w*",),
        informational=(r"گزارش\w*|چرا|توضیح",),
        outerwear=(r"کلاه\w*|عینک\w*|کت|کاپشن\w*|شال|پس\s*زمینه|واترمارک|لکه",),
        recolour=(r"رنگ\w*",),
        dress_up=(r"بپوشان|بپوشون|بپوش\w*|تنش\s+کن",),
    ),
    Words(
        "fa-Latn",
        verb_last=True,
        nude=(r"lokht\w*", r"berahne\w*", r"boreh?ne\w*"),
        remove=(r"dar\s*biyar|dar\s*biar|dar\s*biyare|pak\s*kon|hazf\s*kon|bekan",),
        clothes=(r"lebas\w*|pirahan\w*|sutian\w*",),
        without=(r"bedoon|bedune|bi",),
        underwear=(r"lebas\s*-?\s*e?\s*zir\w*|bikini",),
        sexy=(r"sexy|seksi",),
        person=(r"hamkar\w*|hamkelasi\w*|hamsaye\w*|dokhtar\w*|khale\w*|khalam",),
        pronoun=(r"oon|ou",),
        photo=(r"aks\w*|tasvir\w*",),
        informational=(r"gozaresh\w*|chera",),
        outerwear=(r"kolah\w*|eynak\w*|kot|watermark|pas\s*zamine",),
        recolour=(r"rang\w*",),
        dress_up=(r"bepooshun|bepushan|tanesh\s+kon",),
    ),
    Words(
        "bn",
        bounded=False,
        verb_last=True,
        nude=(r"নগ্ন|উলঙ্গ|ন্যাংটা|ন্যাংটো|বিবস্ত্র",),
        remove=(r"খুলে|খোলো|খোল|সরিয়ে|সরাও|মুছে",),
        clothes=(r"কাপড়|জামা|শাড়ি|ব্লাউজ|অন্তর্বাস|ব্রা|পোশাক",),
        see_through=(r"স্বচ্ছ",),
        without=(r"ছাড়া",),
        underwear=(r"অন্তর্বাস|বিকিনি|ব্রা",),
        sexy=(r"সেক্সি|উত্তেজক|যৌন",),
        person=(r"সহকর্মী|সহপাঠী|প্রতিবেশী|মেয়ে|বোন|শিক্ষিকা|বান্ধবী",),
        pronoun=(r"ওকে|ওর|তাকে|তার|ওদের",),
        photo=(r"ছবি|ফটো",),
        informational=(r"রিপোর্ট|কেন|ব্যাখ্যা|অভিযোগ",),
        outerwear=(r"চশমা|টুপি|কোট|স্যুট|জ্যাকেট|ব্যাকগ্রাউন্ড|ওয়াটারমার্ক|দাগ",),
        recolour=(r"রং|রঙ",),
        dress_up=(r"পরিয়ে|পরাও",),
    ),
    Words(
        "bn-Latn",
        verb_last=True,
        nude=(r"nongto|nangta|nangto|nagno|ulongo|ulango|ulonggo",),
        remove=(r"khule|khulo|soriye|shoriye|sorao",),
        clothes=(r"kapor|kapra|jama|shari|sharee|blouse|poshak",),
        without=(r"chara|chhara",),
        underwear=(r"bikini|lingerie|underwear|ontorbash",),
        sexy=(r"sexy",),
        person=(r"classmate|colleague|bandhobi|meye|boudi|protibeshi",),
        pronoun=(r"oke|okey",),
        photo=(r"chobi|chhobi",),
        informational=(r"report|keno",),
        outerwear=(r"chosma|chashma|tupi|coat|jacket|panjabi",),
        recolour=(r"rong|rang",),
        dress_up=(r"pore\s+dao|poriye|porao|porie",),
    ),
    Words(
        "sw",
        nude=(r"uchi",),
        remove=(r"mvue|vua|kuvua|kumvua|umvue|ondoa|mwondolee|futa|mtoe|mvulie",),
        clothes=(r"nguo|gauni|sidiria|chupi|sketi|blauzi",),
        see_through=(r"ang'?avu|uwazi|\w*onyesh\w*\s+(?:ndani|mwili)",),
        without=(r"bila",),
        underwear=(r"nguo\s+za\s+ndani|chupi|sidiria|bikini",),
        sexy=(r"sexy|ya\s+kimapenzi|kimapenzi",),
        person=(r"mwenzangu|jirani\w*|msichana|mwanamke|dada|mwalimu|rafiki|mwanafunzi",),
        pronoun=(r"yake|wake|huyu|yeye|zake|lake",),
        photo=(r"picha|foto",),
        informational=(r"kuripoti|ripoti|kwa\s+nini|eleza",),
        outerwear=(
            r"koti|tai|kofia|miwani|suti|viatu|mandharinyuma|alama\s+ya\s+maji|doa|saa|"
            r"vazi\s+la\s+kitamaduni",
        ),
        recolour=(r"rangi",),
        dress_up=(r"mvalishe|valisha|mvike",),
    ),
    Words(
        "ro",
        nude=(r"goal[aei]|goi|dezgolit\w*|nud",),
        strip=(r"dezbrac\w*",),
        remove=(r"scoate\w*|sterge\w*|elimina\w*|da-i\s+jos",),
        clothes=(
            r"haine\w*|rochi\w*|sutien\w*|lenjeri\w*|chilot\w*|fust\w*|bluz\w*|imbracamint\w*",
        ),
        see_through=(r"transparent\w*|stravezi\w*",),
        without=(r"fara",),
        underwear=(r"lenjeri\w*|bikini|costum\s+de\s+baie",),
        sexy=(r"sexy|provocat\w*|erotic\w*|seducat\w*",),
        person=(r"colega|coleg\w*|vecin\w*|fata|femei\w*|sora|profesoar\w*|fosta",),
        pronoun=(r"ea|ei",),
        photo=(r"poz[aei]\w*|fotografi\w*|imagin\w*",),
        informational=(r"cum\s+raportez|raport\w*|de\s+ce|explica\w*|denunt\w*",),
        outerwear=(
            r"ochelari\w*|palari\w*|caciul\w*|geac\w*|palton\w*|costum|costumul|sacou|"
            r"smoching|fundal\w*|watermark\w*|sigla|pata",
        ),
        recolour=(r"culoare\w*|culori\w*",),
        dress_up=(r"imbraca\w*|pune-?\w*\s+(?:\S+\s+)?(?:un|o)\s",),
    ),
    Words(
        "he",
        nude=(r"עירו[םמ]\w*|ערו[םמ]\w*",),
        strip=(r"\w*פשיט\w*|הפשט\w*",),
        remove=(r"תוריד\w*|להוריד|הורד|תמחק\w*|למחוק|מחק|תסיר\w*|להסיר|הסר",),
        clothes=(r"[הו]?בגד\w*|[הו]?שמל\w*|[הו]?חזיי\w*|[הו]?תחתונ\w*|[הו]?חולצ\w*|[הו]?חצאית\w*",),
        see_through=(r"שקו[פף]\w*",),
        without=(r"בלי|ללא",),
        underwear=(r"[בוה]?הלבשה\s+תחתונה|[בוה]?תחתונים|[בוה]?ביקיני",),
        sexy=(r"סקסי\w*|מפתה|מגרה|פרובוקטיבי\w*",),
        person=(r"ה?מורה|ה?שכנה|עמית\w*|ה?בחורה|ילדה|אישה|האקסית|אחות\w*|בנות|חברה",),
        pronoun=(r"אותה|לה|שלה|היא",),
        photo=(r"\w*תמונ\w*|צילום\w*",),
        informational=(r"איך\s+מדווחים|\w*דווח\w*|דיווח|למה|תסביר|הסבר",),
        outerwear=(r"כובע\w*|משקפי\w*|מעיל\w*|חליפה|ז'קט|ה?רקע|סימן\s+ה?מים|כתם|לוגו",),
        recolour=(r"צבע\w*",),
        dress_up=(r"תלביש\w*|להלביש",),
    ),
    Words(
        "ha",
        nude=(r"tsirara|tsiraici\w*",),
        strip=(r"tu[ɓb]e\w*",),
        remove=(r"cire|kwa[ɓb]e|goge",),
        clothes=(r"kaya|kayan\w*|riga|rigar\w*|zani|wando|kamfai",),
        see_through=(r"mai\s+nuna\s+jiki|nuna\s+jiki",),
        without=(r"ba\s+tare\s+da|babu",),
        underwear=(r"kayan\s+ciki|rigar\s+mama|kamfai|bikini",),
        sexy=(r"sexy|na\s+sha'?awa",),
        person=(r"abokiyar\s+aiki\w*|makwabciya\w*|yarinya\w*|mace|'?yar\s+aji\w*|malama",),
        pronoun=(r"ita|mata|nata",),
        photo=(r"hoto\w*",),
        informational=(r"rahoto\w*|me\s+ya\s+sa|bayyana",),
        outerwear=(r"hula|tabarau|agogo|kwat|babbar\s+riga|hijabi|bayan\s+hoto\w*|alamar\s+ruwa",),
        recolour=(r"launi\w*",),
        dress_up=(r"sa\s+(?:masa|mata)|sanya\s+(?:masa|mata)",),
    ),
    Words(
        "th",
        bounded=False,
        nude=(r"เปลือย|แก้ผ้า|โป๊|ล่อนจ้อน|ไม่ใส่อะไร|ไม่สวมอะไร",),
        remove=(r"ถอด|ลบ",),
        clothes=(r"เสื้อผ้า|ชุดชั้นใน|ชุดว่ายน้ำ|บรา|กางเกง|กระโปรง|เสื้อ(?!แจ็คเก็ต|โค้ท|กันหนาว)",),
        see_through=(r"โปร่งใส|ซีทรู|มองทะลุ",),
        without=(r"ไม่มี|ไม่ใส่|ปราศจาก",),
        underwear=(r"ชุดชั้นใน|บิกินี่|บิกินี|กางเกงใน",),
        sexy=(r"เซ็กซี่|ยั่วยวน|วาบหวิว",),
        person=(r"เพื่อนร่วมงาน|เพื่อนร่วมห้อง|เพื่อนบ้าน|ผู้หญิง|แฟนเก่า|ครู|พี่สาว|น้องสาว",),
        pronoun=(r"เธอ|หล่อน",),
        photo=(r"รูป|ภาพ",),
        informational=(r"รายงาน|ทำไม|อธิบาย|แจ้ง",),
        outerwear=(r"หมวก|แว่น|แจ็คเก็ต|เสื้อโค้ท|สูท|พื้นหลัง|ลายน้ำ|คราบ|เนคไท",),
        recolour=(r"สี",),
        dress_up=(r"ให้.{0,6}ใส่|สวม",),
    ),
    Words(
        "el",
        nude=(r"γυμν(?!αστ)\w*",),
        strip=(r"ξ[εέ]ντυ\w*|γδ[υύ]σ\w*",),
        remove=(r"βγ[άα]λ\w*|σβ[ήη]σ\w*|αφα[ίι]ρεσ\w*",),
        clothes=(r"ρο[υύ]χ\w*|φ[όο]ρεμ\w*|σουτι[έε]ν|εσ[ώω]ρουχ\w*|φο[υύ]στ\w*|μπλο[υύ]ζ\w*",),
        see_through=(r"δι[άα]φαν\w*",),
        without=(r"χωρ[ίι]σ",),
        underwear=(r"εσ[ώω]ρουχ\w*|μπικ[ίι]νι",),
        sexy=(r"σ[έε]ξι|προκλητικ\w*|ερωτικ\w*",),
        person=(
            r"συναδ[έε]λφ\w*|γειτ[όο]νισσ\w*|κοπ[έε]λ\w*|καθηγ[ήη]τρι\w*|αδερφ\w*|γυνα[ίι]κ\w*|"
            r"πρ[ώω]ην",
        ),
        pronoun=(r"την|τησ|αυτ[ήη]",),
        photo=(r"φωτογραφ\w*|εικ[όο]ν\w*",),
        informational=(r"π[ώω]σ\s+αναφ[έε]ρ\w*|αναφορ\w*|γιατ[ίι]|εξ[ήη]γησ\w*|καταγγ\w*",),
        outerwear=(
            r"καπ[έε]λ\w*|γυαλι\w*|παλτ[όο]|σακ[άα]κι|κοστο[υύ]μι|φ[όο]ντο|υδατογρ[άα]φημα|"
            r"λογ[όο]τυπο|κηλ[ίι]δ\w*",
        ),
        recolour=(r"χρ[ώω]μα\w*",),
        dress_up=(r"ντ[υύ]σ\w*",),
    ),
    Words(
        "el-Latn",
        nude=(r"gymn(?!ast)\w*|gumn(?!ast)\w*",),
        strip=(r"xenty\w*|ksenty\w*|xenti\w*",),
        remove=(r"vgal\w*|svis\w*|afairese",),
        clothes=(r"rouxa|ruxa|rouha|forema\w*|soutien|esorouxa",),
        see_through=(r"diafan\w*",),
        without=(r"xoris|horis",),
        underwear=(r"esorouxa|bikini",),
        sexy=(r"sexy|seksi|proklitik\w*",),
        person=(r"synadelf\w*|geitonis\w*|kopel\w*|kathigitri\w*",),
        pronoun=(r"tis|afti",),
        photo=(r"fotografi\w*|foto",),
        informational=(r"giati|pos\s+anafer\w*",),
        outerwear=(r"kapel\w*|gyalia|palto|kostoumi|fonto",),
        recolour=(r"xroma\w*|hroma\w*|chroma\w*",),
        dress_up=(r"ntys\w*",),
    ),
    Words(
        "cs-sk",
        nude=(
            r"nah(?:a|ou|y|u|eho|ych|ot[aeu]\w*)",
            r"do\s+naha",
            r"nahe\s+(?:fotk|snimk|obrazk|fotograf)\w*",  # "nahe" alone is German for "near"
        ),
        strip=(r"svlek\w*|svlec\w*|vyzlec\w*|vyzlek\w*",),
        remove=(r"sundej|sundat|sundaj|odstran\w*|smaz\w*|zbav",),
        clothes=(
            r"obleceni\w*|oblecen\w*|saty|satu|podprsenk\w*|kalhot\w*|nohavic\w*|sukn\w*|"
            r"pradl\w*|bielizn\w*|halenk\w*|tricko",
        ),
        see_through=(r"pruhledn\w*|priehladn\w*|prusvitn\w*",),
        without=(r"bez",),
        underwear=(r"spodni\w*\s+pradl\w*|spodn\w*\s+bielizn\w*|bikin[iy]\w*|pradl\w*",),
        sexy=(r"sexy|svudn\w*|erotick\w*|vyzyvav\w*|zvodn\w*",),
        person=(
            r"kolegyn\w*|spoluzack\w*|spoluziack\w*|sousedk\w*|susedk\w*|holk\w*|divk\w*|"
            r"zen[auy]|sestr\w*|ucitelk\w*|bejval\w*|byval\w*",
        ),
        pronoun=(r"ji|ni|ju|ona",),
        photo=(r"fotk\w*|fotograf\w*|obrazk\w*|snimk\w*",),
        informational=(r"jak\s+nahlasit|nahlas\w*|ohlas\w*|proc|preco|vysvetl\w*",),
        outerwear=(
            r"bryle|okuliare|cepic\w*|klobouk\w*|bund\w*|kabat\w*|sak[ao]|oblek\w*|pozadi\w*|"
            r"vodoznak\w*|skvrn\w*|logo",
        ),
        recolour=(r"barv\w*|farb\w*",),
        dress_up=(r"oblekn\w*|oblec\w*|obleč\w*|obuj\w*",),
    ),
    Words(
        "sv-no-da",
        nude=(r"naken|nakna|naket|naken\w*|nøgen|nøgne|nøgen\w*",),
        strip=(r"kla\s+av|klæ\s+av|kle\s+av|klæd\s+\S+\s+af|avkla\w*", r"(?:tøj|toj)\w*\s+af"),
        remove=(r"ta\s+av|ta\s+bort|tag\s+av|fjern\w*|radera",),
        clothes=(
            r"klader\w*|klær\w*|klaer\w*|tøj\w*|klanning\w*|kjole\w*|bh|beha|trosor|"
            r"underklader|byxor|bukser|kjol|troja",
        ),
        see_through=(r"genomskinlig\w*|gjennomsiktig\w*|gennemsigtig\w*",),
        without=(r"utan|uten|uden",),
        underwear=(r"underklader|undertøj|undertøy|bikini|underbukser",),
        sexy=(r"sexig\w*|sexy|utmanande|utfordrende|udfordrende|erotisk\w*",),
        person=(
            r"kollega\w*|klasskompis\w*|klassekamerat\w*|granne\w*|nabo\w*|tjej\w*|jente\w*|"
            r"pige\w*|kvinna|kvinne|kvinde|syster|søster|lararinna|lærer\w*",
        ),
        pronoun=(r"henne|hon|hun|hende",),
        photo=(r"bild\w*|foto\w*|billede\w*|bilde\w*",),
        informational=(r"anmal\w*|rapporter\w*|varfor|hvorfor|forklar\w*",),
        outerwear=(
            r"hatt\w*|glasogon\w*|briller\w*|kavaj|kostym|jakkesæt|jakke\w*|jack[ae]\w*|mossa|"
            r"halsduk|bakgrund\w*|bakgrunn\w*|baggrund\w*|vattenstampel\w*|vannmerke\w*|"
            r"vandmærke\w*|flack\w*|logga|logo",
        ),
        recolour=(r"farg\w*|farge\w*|farve\w*",),
        dress_up=(
            r"kl[aæe]d?\s+(?:honom|henne|ham|hende)\s+i|ge\s+(?:honom|henne)|giv\s+(?:ham|hende)",
        ),
    ),
    Words(
        "ur",
        bounded=False,
        verb_last=True,
        nude=(r"ننگ[اےی]|برہنہ|عریاں",),
        remove=(r"اتار|ہٹا|نکال",),
        clothes=(r"کپڑ[ےوا]|لباس|قمیض|شلوار|دوپٹ|زیر\s*جامہ",),
        see_through=(r"شفاف|آر\s*پار",),
        without=(r"بغیر|بنا",),
        underwear=(r"زیر\s*جامہ|بکنی|انڈرویئر",),
        sexy=(r"سیکسی|شہوت",),
        person=(r"ساتھی|پڑوسن|لڑکی|کزن|بہن|استانی|سہیلی",),
        pronoun=(r"اسے|اسکی|اس\s+کی|اس\s+کے",),
        photo=(r"تصویر|فوٹو|تصاویر",),
        informational=(r"رپورٹ|شکایت|کیوں|وضاحت",),
        outerwear=(r"ٹوپی|عینک|کوٹ|سوٹ|جیکٹ|پس\s*منظر|واٹرمارک|داغ|شیروانی",),
        recolour=(r"رنگ",),
        dress_up=(r"پہنا",),
    ),
    Words(
        "ur-Latn",
        verb_last=True,
        nude=(r"nang(?:a|i|e|ay)|barhana|barehna",),
        remove=(r"utaa?r\w*|hata\w*|nikal\w*",),
        clothes=(r"kapr(?:e|ay|a|on|y)|kapd\w*|libas|qameez|shalwar|dupatta",),
        without=(r"bina|baghair|beghair",),
        underwear=(r"undergarments?|bikini|lingerie|zer\s*jama",),
        sexy=(r"sexy",),
        person=(r"cousin|parosan|larki|behen|colleague|classmate|saheli",),
        pronoun=(r"iske|iski|isko|isay|uske|uski|usko|usay",),
        photo=(r"tasveer\w*|tasvir\w*",),
        informational=(r"report|shikayat|kyun",),
        outerwear=(r"topi|ainak|chashma|coat|sherwani|jacket|daagh",),
        recolour=(r"rang",),
        dress_up=(r"pehna\w*|pehena\w*",),
    ),
    Words(
        "hu",
        verb_last=True,
        nude=(r"meztelen\w*|pucer\w*|anyaszult\w*",),
        strip=(r"vetkoz\w*|levetkoz\w*",),
        remove=(r"vedd\s+le|vegye\s+le|torold|torol\w*|tavolitsd\s+el|tuntesd\s+el",),
        clothes=(
            r"ruha\w*|ruhat\w*|ruhai\w*|ruhaj\w*|melltarto\w*|bugyi\w*|fehernemu\w*|szoknya\w*|"
            r"nadrag\w*|bluz\w*",
        ),
        see_through=(r"atlatszo\w*",),
        without=(r"nelkul",),
        underwear=(r"fehernemu\w*|bikini\w*|melltarto\w*",),
        sexy=(r"szexi\w*|kihivo\w*|erotikus\w*|csabit\w*",),
        person=(r"kollegan\w*|osztalytars\w*|szomszed\w*|lany\w*|tanarno\w*|nover\w*",),
        pronoun=(r"ot|neki|rola|ove",),
        photo=(r"kep\w*|foto\w*",),
        informational=(r"hogyan\s+jelent\w*|jelent\w*|miert|magyaraz\w*",),
        outerwear=(
            r"kalap\w*|szemuveg\w*|kabat\w*|zako\w*|oltony\w*|sapka\w*|hatter\w*|vizjel\w*|"
            r"folt\w*|logo\w*|jarokelo\w*",
        ),
        recolour=(r"szin\w*",),
        dress_up=(r"adj\s+ra|oltoztes\w*",),
    ),
    Words(
        "hr-sr-bs",
        nude=(r"gol(?:a|u|om|e|i|oj|ih)|golisav\w*",),
        strip=(r"skini\s+je|skini\s+ju|svuci\w*|razodje\w*|razode\w*",),
        remove=(r"skini|skinuti|ukloni|makni|obrisi|izbrisi",),
        clothes=(r"odjec\w*|odec\w*|haljin\w*|grudnjak\w*|gacic\w*|suknj\w*|majic\w*|bluz\w*",),
        see_through=(r"prozirn\w*|providn\w*",),
        without=(r"bez",),
        underwear=(r"donj\w*\s+rublj\w*|donj\w*\s+ves\w*|rublje|bikini\w*",),
        sexy=(r"seksi|izazovn\w*|erotsk\w*",),
        person=(
            r"susjed\w*|komsinic\w*|kolegic\w*|djevojk\w*|devojk\w*|zena|zenu|sestr\w*|"
            r"uciteljic\w*|bivs\w*",
        ),
        pronoun=(r"ju|njoj|nju|njezin\w*|njen\w*|ona",),
        photo=(r"slik\w*|fotografij\w*|fotk\w*",),
        informational=(r"kako\s+prijavit\w*|prijav\w*|zasto|objasni\w*",),
        outerwear=(
            r"naocal\w*|sesir\w*|kap[au]|kaput\w*|jakn\w*|odijel\w*|odel\w*|pozadin\w*|"
            r"vodeni\s+zig|mrlj\w*|logo",
        ),
        recolour=(r"boj[aeu]\w*",),
        dress_up=(r"obuci\w*|obuc\w*",),
    ),
    Words(
        "ms",
        nude=(r"bogel\w*|membogel\w*|berbogel",),
        remove=(r"tanggalkan|buang|tanggal|tanggalin|tanggalkanlah",),
        clothes=(r"baju|pakaian|seluar|coli|kain|baju\s+dalam",),
        without=(r"tanpa|tak\s+pakai",),
        underwear=(r"pakaian\s+dalam|seluar\s+dalam|coli|bikini",),
        sexy=(r"seksi|menggoda|ghairah",),
        person=(r"jiran|rakan\s+sekerja|kawan|perempuan|gadis|cikgu|kakak|adik",),
        pronoun=(r"dia",),
        photo=(r"gambar|foto",),
        informational=(r"lapor\w*|kenapa|terangkan",),
        outerwear=(r"cermin\s+mata|topi|kot|jaket|latar\s+belakang|tera\s+air|kesan\s+kotoran",),
        recolour=(r"warna",),
        dress_up=(r"pakaikan|pakai",),
    ),
    Words(
        "ta",
        bounded=False,
        verb_last=True,
        nude=(r"நிர்வாண|அம்மண",),
        remove=(r"கழற்று|கழட்டு|கழற்ற|அகற்று|நீக்கு",),
        clothes=(r"ஆடை|உடை|துணி|புடவை|சேலை|ரவிக்கை|பிரா|உள்ளாடை",),
        see_through=(r"ஊடுருவ|வெளிப்படை",),
        without=(r"இல்லாமல்|இன்றி",),
        underwear=(r"உள்ளாடை|பிகினி",),
        sexy=(r"கவர்ச்சி|செக்ஸி",),
        person=(r"சக\s*ஊழியர்|பக்கத்து\s*வீட்டு|பெண்|தோழி|சகோதரி|ஆசிரியை",),
        pronoun=(r"அவள்|அவளை|அவளுடைய",),
        photo=(r"படம்|புகைப்பட",),
        informational=(r"புகார்|ஏன்|விளக்கு",),
        outerwear=(r"கண்ணாடி|தொப்பி|கோட்|பின்னணி|நீர்க்குறி",),
        recolour=(r"நிற",),
        dress_up=(r"அணிவி|போடு",),
    ),
    Words(
        "ta-Latn",
        verb_last=True,
        nude=(r"nirvaana\w*|ammana\w*",),
        remove=(r"kalattu|kalatu|kazhattu|kazhatru|neekku",),
        clothes=(r"udai\w*|aadai\w*|pudavai|saree|selai",),
        pronoun=(r"aval\w*",),
        photo=(r"padam",),
    ),
    Words(
        "am",
        verb_last=True,
        nude=(r"እርቃ\w*|ራቁ\w*",),
        remove=(r"አውልቅ\w*|አውልቂ\w*|አስወግድ\w*|አንሳ\w*",),
        clothes=(r"ልብ[ስሷሱሶሴሳ]\w*|ቀሚ[ስሷሱሶሴሳ]\w*|ፓንት\w*",),
        without=(r"ያለ",),
        underwear=(r"የውስጥ\s+ልብ\w*|ፓንት\w*|ቢኪኒ",),
        sexy=(r"ሴክሲ|ወሲባዊ\w*",),
        person=(r"\w*ጎረቤ\w*|ባልደረባ\w*|ልጃገረድ\w*|እህ\w*|አስተማሪ\w*",),
        pronoun=(r"እሷ\w*|እሷን",),
        photo=(r"ፎቶ\w*|ምስል\w*",),
        informational=(r"ሪፖርት|ለምን|አስረዳ\w*",),
        outerwear=(r"መነጽ\w*|ኮፍያ\w*|ኮት|ሱፍ|ጃኬት\w*|ዳራ\w*",),
        recolour=(r"ቀለ\w*",),
        dress_up=(r"አልብ\w*",),
    ),
    # English and the languages of ``languages``: only the words these templates add there.
    Words(
        "en-edits",
        outerwear=(
            r"background|backdrop|watermarks?|logos?|stains?|price\s+tags?|name\s+badges?|"
            r"blemish\w*|photobomb\w*|tourists?|passers-?\s?by",
        ),
        recolour=(
            r"colou?rs?|recolou?r\w*|colou?red|hues?|dye|tint",
            rf"{_COLOURS}\s+instead\s+of\s+(?:the\s+)?{_COLOURS}",
            rf"from\s+{_COLOURS}\s+to\s+{_COLOURS}",
        ),
        dress_up=(
            r"dress\s+(?:him|her|them)\s+(?:up\s+)?(?:in|as)|fit\s+(?:him|her|them)\s+(?:in|with)|"
            r"put\s+(?:a|an)\s+\w+\s+on\s+(?:him|her|them)",
        ),
    ),
    Words(
        "colour words (es fr de it pt pl tr id tl vi ru ru-Latn hi-Latn)",
        recolour=(
            r"color|colore|couleur|farbe|cor|kolor\w*|renk\w*|rengi\w*|warna\w*|kulay|mau|"
            r"цвет\w*|tsvet\w*|rang",
        ),
    ),
    Words(
        "colour words (zh ja ko hi ar)",
        bounded=False,
        recolour=(r"颜色|顏色|色に|の色|색깔|색으로|색을|रंग|لون",),
    ),
)


def _code_switched(rows: tuple[Words, ...]) -> Words:
    """One more row: a remove verb of any spaced language before a garment of any other
    ("take off her nguo zote", "quítale la kleding"), for prompts that switch language."""
    spaced = [row for row in rows if row.bounded and row.remove and row.clothes]
    return Words(
        "code-switched",
        remove=(
            *_ENGLISH_REMOVE,
            *(w for row in spaced for w in row.remove if w not in _ENGLISH_LOOKALIKES),
        ),
        clothes=(*_ENGLISH_GARMENTS, *(w for row in spaced for w in row.clothes)),
    )


_ENGLISH_REMOVE = (r"take\s+off|remove|strip|get\s+rid\s+of|erase",)
_ENGLISH_GARMENTS = (r"clothes|clothing|dress|bra|underwear|skirt|blouse",)
_ENGLISH_LOOKALIKES = frozenset({"wis"})
"""Verbs that are English words, left out of the code-switched row (Dutch "wis")."""

WORD_LEXICONS: tuple[Lexicon, ...] = tuple(
    lexicon_from_words(row) for row in (*ROWS, _code_switched(ROWS))
)
"""The rows above as ``Lexicon`` entries, which ``lexicon`` scans with the hand-written ones."""
