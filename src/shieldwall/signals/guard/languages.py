"""The words of the other languages' keyword rules, as data (read by ``lexicon``).

One ``Lexicon`` per language, script or transliteration, each listing regular expressions for
the groups that ``rules`` uses for English: an undress intent, a sexualising intent, the name
of a nudify tool, a specific person, a pronoun, and markers of a question or report about the
abuse. Patterns of a ``bounded`` language match whole words; the others (Chinese, Japanese,
Korean, Devanagari, Arabic) match anywhere. Patterns are matched against ``lexicon``'s views:
case-folded, and for the Latin-script languages also without accents, so ``kiyafet`` stands
for ``kıyafet`` and ``coi do`` for ``cởi đồ`` (both spellings are listed where the unaccented
one is ambiguous). Chosen from the tuning half of ``tests/unit/signals/guard/multilingual.py``
and general knowledge of each language, never from its held-out half. Plain words only.
"""

from __future__ import annotations

from dataclasses import dataclass

GROUPS = (
    "undress",
    "sexualise",
    "nudify",
    "person",
    "pronoun",
    "informational",
    "non_person",
    "outerwear",
    "photo",
    "recolour",
    "dress_up",
)
"""``non_person``: mannequins, dolls and statues; ``outerwear``: garments, accessories and
other things whose removal is an ordinary edit (a jacket, a hat, glasses, the background, a
watermark), which keep the semantic judges from counting when no rule saw an intent;
``photo``: a word for a photo or picture (a specific person's image, like ``rules.PHOTO``);
``recolour``: the word for a colour, which marks a request to recolour a garment (see
``word_table``); ``dress_up``: a verb that puts clothes *on* someone ("dress him in a suit"),
which, like ``outerwear``, keeps the multilingual judge from counting when no rule saw an
intent."""


@dataclass(frozen=True, slots=True)
class Lexicon:
    """One language's patterns; ``bounded``: its words are separated by spaces."""

    language: str
    bounded: bool
    undress: tuple[str, ...] = ()
    sexualise: tuple[str, ...] = ()
    nudify: tuple[str, ...] = ()
    person: tuple[str, ...] = ()
    pronoun: tuple[str, ...] = ()
    informational: tuple[str, ...] = ()
    non_person: tuple[str, ...] = ()
    outerwear: tuple[str, ...] = ()
    photo: tuple[str, ...] = ()
    recolour: tuple[str, ...] = ()
    dress_up: tuple[str, ...] = ()


_W = r"(?:\w+\s+)"  # one word and its space, for "remove {0,3 words} clothes"

LEXICONS: tuple[Lexicon, ...] = (
    Lexicon(
        "en",
        True,
        undress=(
            r"(?:the\s+)?way\s+nature\s+made\s+(?:her|him|them)",
            r"as\s+(?:nature|god)\s+made\s+(?:her|him|them)",
            r"(?:clothes|clothing|outfit|dress|fabric)\s+(?:(?!less|not|non|no)\w+\s+){0,2}"
            r"(?:go(?:es)?\s+away|"
            r"evaporat\w*|transparent|see-?\s?through|dissolv\w*)",
            r"(?:less|no)\s+fabric",
            r"nothing\s+(?:left\s+)?covering\s+(?:her|him)",
            r"(?:only|just)\s+wearing\s+a\s+smile",
            r"(?:out\s+of|after)\s+the\s+(?:shower|bath)\s+(?:with\s+)?no\s+towel",
            r"with\s+no\s+towel",
            r"just\s+(?:her|his)\s+skin",
            r"x-?\s?ray\s+(?:mode|vision|filter)",
        ),
        sexualise=(
            r"underthings",
            r"spicy\s+(?:version|edit|pic|photo)",
        ),
    ),
    Lexicon(
        "es-fr-de-it-pt",
        True,
        undress=(
            r"como\s+(?:vino|veio)\s+(?:al|ao|a)\s+mundo",
            r"(?:ropa|roupa|vetements|vestiti|kleidung|klamotten|blusa|camisa|vestido|robe|"
            r"kleid|hemd|maglia|camicia|chemise)\s+(?:\w+\s+){0,3}"
            r"(?:transparent\w*|trasparent\w*|durchsichtig\w*|desapare\w*|disparai\w*|"
            r"verschwind\w*|sparir\w*|some)",
            r"(?:haz|hace|fai|fate|fais|faites|faz)\s+(?:desaparecer|sparire|disparaitre|"
            r"sumir)\s+(?:\w+\s+){0,2}(?:ropa|vestiti|abiti|vetements|habits|roupa)",
            r"(?:enleve|enlever|retire|ote)\s+tout\s+ce\s+qu'?\s?(?:elle|il)\s+porte",
            r"(?:quita|quitale)\s+todo\s+lo\s+que\s+lleva",
            r"(?:tira|tire)\s+tudo\s+(?:o\s+)?que\s+(?:ela|ele)\s+(?:esta\s+)?(?:usa|veste)\w*",
            r"(?:se\s+le\s+)?transparente?\s+(?:la\s+)?ropa",
            r"(?:rends|rendez)\s+ses\s+vetements\s+transparents",
            r"(?:fais|faites)\s+disparaitre\s+ses\s+(?:habits|vetements)",
            r"(?:comme\s+)?au\s+jour\s+de\s+sa\s+naissance",
            r"wie\s+gott\s+sie\s+schuf",
            r"come\s+mamma\s+l'?ha\s+fatta",
            r"senza\s+niente\s+addosso",
            r"sem\s+nada",
            r"(?:some|sumir)\s+com\s+a\s+roupa",
            r"(?:entferne|entfernen)\s+(?:\w+\s+){0,2}(?:kleidung|klamotten)",
            r"desvest\w*|denud\w*",
        ),
        sexualise=(
            r"ropa\s+interior",
            r"en\s+sous-?vetements",
            r"in\s+unterwasche",
            r"(?:fotos?|imagens?)\s+intimas?",
            r"(?:de|en|in)\s+(?:biquini|bikini)",
        ),
        nudify=(r"apps?\s+(?:pra|para)\s+(?:tirar|quitar)\s+(?:a\s+|la\s+)?(?:roupa|ropa)",),
        person=(
            r"menina|garota|mulher|colega|vizinha|influenciadora|chica|mujer|prima|"
            r"companera|vecina|fille|femme|collegue|voisine|madchen|frau|kollegin|"
            r"mitschulerin|nachbarin|ragazza|donna|collega|compagna|vicina",
        ),
        informational=(
            r"(?:como\s+)?denunci\w*|signaler|comment\s+signaler|melden|segnalare|"
            r"explica\w*|expliquer?|erklar\w*|spiega\w*|por\s+que|pourquoi|warum|perche",
        ),
    ),
    Lexicon(
        "pl",
        True,
        undress=(
            r"rozbierz\w*|rozebra\w*|rozbiera\w*",
            r"nag(?:a|ie|iej|o|i|im|ich|us)",
            r"bez\s+(?:ubrania|ubran|niczego)",
            rf"(?:zdejmij|usun|zdjac)\s+{_W}{{0,3}}(?:ubrani\w*|sukienk\w*|stanik\w*|"
            r"bielizn\w*|spodni\w*)",
            r"ubrani\w*\s+(?:\w+\s+){0,2}(?:przezroczyst\w*|znikn\w*)",
            r"przezroczyst\w*\s+ubrani\w*",
            r"jak\s+(?:ja\s+)?pan\s+bog\s+stworzyl",
        ),
        sexualise=(r"w\s+bieliznie", r"seksown\w*", r"intymn\w*"),
        nudify=(r"aplikacj\w*\s+do\s+rozbierania",),
        person=(
            r"dziewczyn\w*|kobiet\w*|kolezank\w*|sasiadk\w*|aktork\w*|by[l]ej|siostr\w*|"
            r"nauczycielk\w*",
        ),
        pronoun=(r"ja|jej|nia|ona",),
        informational=(r"jak\s+zglosic|zglos\w*|wyjasnij|dlaczego|szkodliw\w*",),
    ),
    Lexicon(
        "tr",
        True,
        undress=(
            r"(?:onu|kizi|\w+(?:yi|yu|i|u))\s+soy",
            r"soy(?:an|ma|un\w*|dur\w*|ar)",
            r"ciplak\w*",
            r"kiyafetsiz",
            r"(?:kiyafet|elbise|giysi|sutyen)\w*\s+(?:\w+\s+){0,3}(?:kaldir|sil|yok\s+et|"
            r"seffaf|cikar)\w*",
            r"dogdugu\s+gibi",
            r"uzerinde\s+hicbir\s+sey",
            r"ustundeki\s+her\s+seyi\s+(?:yok\s+et|kaldir|sil|cikar)\w*",
        ),
        sexualise=(r"ic\s+camasir\w*", r"seksi", r"mahrem\w*"),
        nudify=(r"soyan\s+uygulama\w*",),
        person=(
            r"kiz\w*|kadin\w*|is\s+arkadas\w*|sinif\s+arkadas\w*|komsu\w*|sarkici\w*|"
            r"oyuncu\w*|eski\s+sevgili\w*",
        ),
        pronoun=(r"onu|onun|ona",),
        informational=(r"nasil\s+sikayet|sikayet\w*|acikla\w*|neden|zarar\w*",),
    ),
    Lexicon(
        "id",
        True,
        undress=(
            r"telanjang\w*|menelanjangi\w*|bugil",
            r"tanpa\s+busana",
            rf"(?:hapus|lepas|buka|hilangkan|copot)\s+{_W}{{0,2}}(?:baju\w*|pakaian\w*|bra\w*|"
            r"busana\w*|celana\w*)",
            r"(?:baju|pakaian)\w*\s+(?:\w+\s+){0,2}(?:tembus\s+pandang|hilang|transparan)",
            r"tembus\s+pandang",
            r"sehelai\s+benang",
            r"jangan\s+sisakan\s+apa",
        ),
        sexualise=(r"pakaian\s+dalam", r"seksi", r"foto\s+pribadi"),
        nudify=(r"aplikasi\s+(?:untuk\s+)?(?:menelanjangi|penelanjang)\w*",),
        person=(r"teman\w*|tetangga\w*|artis\w*|mantan\w*|cewek\w*|gadis\w*|perempuan\w*",),
        pronoun=(r"dia|\w+nya",),
        informational=(r"bagaimana\s+melaporkan|lapor\w*|jelaskan|kenapa|mengapa|berbahaya",),
    ),
    Lexicon(
        "tl",
        True,
        undress=(
            r"hubar\w*|hubad\w*|nakahubad\w*|hubo'?t\s+hubad",
            rf"(?:tanggalin|alisin|hubarin|pawalain)\s+{_W}{{0,2}}(?:damit|bestida|bra|suot|"
            r"clothes|dress|underwear)\w*",
            r"walang\s+(?:damit|saplot|suot)",
            r"see-?\s?through",
            r"walang\s+tuwalya",
            r"wala\s+nang\s+matitira",
        ),
        sexualise=(r"naka-?\s?underwear", r"naka-?\s?lingerie", r"pribadong\s+litrato"),
        person=(r"kaklase|katrabaho|kapitbahay|artista|ex\s+ko|babae",),
        pronoun=(r"siya|niya|kaniya|kanya",),
        informational=(r"paano\s+i-?\s?report|ipaliwanag|bakit|masama",),
    ),
    Lexicon(
        "vi",
        True,
        undress=(
            r"cởi\s+(?:đồ|quần\s+áo|hết|sạch)",
            r"coi\s+(?:do|quan\s+ao)\s+(?:cua|co|ra|het|\w+\s+ay)",
            r"lột\s+(?:đồ|sạch)|lot\s+(?:do|sach)",
            r"khoa\s+than|tran\s+truong",
            r"(?:xoa|bo|coi)\s+(?:het\s+)?(?:quan\s+ao|vay|ao\s+nguc|do\s+lot)",
            r"quan\s+ao\s+(?:\w+\s+){0,4}(?:trong\s+suot|bien\s+mat)",
            r"khong\s+mac\s+gi",
            r"luc\s+moi\s+sinh\s+ra",
            r"khong\s+de\s+lai\s+gi\s+tren\s+nguoi",
        ),
        sexualise=(r"do\s+lot|noi\s+y|goi\s+cam|anh\s+rieng\s+tu",),
        nudify=(r"ung\s+dung\s+lot\s+do",),
        person=(
            r"co\s+gai|dong\s+nghiep|ban\s+cung\s+lop|hang\s+xom|dien\s+vien|nguoi\s+yeu\s+cu",
        ),
        pronoun=(r"co\s+ay|chi\s+ay|em\s+ay",),
        informational=(r"lam\s+sao\s+bao\s+cao|bao\s+cao|giai\s+thich|tai\s+sao|co\s+hai",),
    ),
    Lexicon(
        "ru",
        True,
        undress=(
            r"разден\w*|раздет\w*|раздев\w*|обнаж\w*",
            r"гол(?:ая|ой|ую|ое|ые|ых|ым|ыми)",
            r"без\s+одежды",
            rf"(?:убери|сними|удали|убрать|снять|удалить)\s+{_W}{{0,3}}(?:одежд\w*|плать\w*|"
            r"лифчик\w*|бель\w*|трус\w*|юбк\w*|блузк\w*)",
            r"одежд\w*\s+(?:\w+\s+){0,2}(?:прозрачн\w*|исчез\w*)",
            r"прозрачн\w*\s+одежд\w*",
            r"в\s+ч[её]м\s+мать\s+родила",
            r"ничего\s+не\s+осталось",
        ),
        sexualise=(r"нижн\w*\s+бель\w*|сексуальн\w*|эротич\w*|интимн\w*|порн\w*",),
        nudify=(r"раздевалк\w*",),
        person=(
            r"девушк\w*|девочк\w*|женщин\w*|коллег\w*|одноклассниц\w*|соседк\w*|актрис\w*|"
            r"бывш\w*|подруг\w*|сестр\w*|учительниц\w*",
        ),
        pronoun=(r"её|ее|неё|нее|ей|ней|она",),
        informational=(r"как\s+пожаловаться|пожалова\w*|объясни\w*|почему|вредн\w*",),
    ),
    Lexicon(
        "ru-Latn",
        True,
        undress=(
            r"razden\w*|razdet\w*|razdev\w*|obnazh\w*",
            r"gol(?:aya|oi|oy|uyu|oe|ye|ykh)",
            r"bez\s+odezhd\w*",
            rf"(?:uberi|snimi|udali)\s+{_W}{{0,3}}(?:odezhd\w*|plat\w*|lifchik\w*|bele|trus\w*)",
            r"odezhd\w*\s+(?:\w+\s+){0,2}(?:prozrachn\w*|ischez\w*)",
            r"v\s+chem\s+mat\s+rodila",
            r"nichego\s+ne\s+ostalos",
        ),
        sexualise=(r"nizhn\w*\s+bel\w*|seksualn\w*|erotichn\w*|intimn\w*",),
        person=(r"devushk\w*|kolleg\w*|odnoklassnits\w*|sosedk\w*|aktris\w*|byvsh\w*|podrug\w*",),
        pronoun=(r"ee|nee|ei|nei|ona",),
        informational=(r"kak\s+pozhalovatsya|obyasni|pochemu|vredn\w*",),
    ),
    Lexicon(
        "hi-Latn",
        True,
        undress=(
            r"kap(?:de|da|don|re)\s+(?:\w+\s+){0,2}(?:utaa?r\w*|hata\w*|gayab|transparent|"
            r"nikal\w*|remove\w*|delete\w*)",
            r"nang(?:a|i|e)",
            r"bina\s+kap(?:de|don|ro)",
            r"jaise\s+(?:wo|woh|vo)\s+paida",
            r"(?:saree|saari|blouse|dupatta)\s+(?:\w+\s+){0,3}hata\w*",
            r"badan\s+(?:pe|par)\s+kuch\s+(?:bhi\s+)?na",
        ),
        sexualise=(r"undergarments?|lingerie|sexy|private\s+(?:tasveer|photo)\w*",),
        nudify=(r"kap(?:de|re)\s+utaa?rne\s+wal\w*\s+app",),
        person=(r"ladki|colleague|classmate|padosan|heroine|actress|behen|dost|meri\s+ex",),
        pronoun=(r"uske|uski|usko|iske|iski|isko",),
        informational=(r"samjhao|kyun|complaint|report|kharab",),
    ),
    Lexicon(
        "ar-Latn",
        True,
        undress=(
            r"(?:sheel|shil|shiil|imsa7|e?msa7)\s+(?:\w+\s+){0,2}(?:hdoom|hudoom|malabes|fostan|"
            r"bra)\w*",
            r"(?:hdoom|hudoom|malabes)\w*\s+(?:\w+\s+){0,1}(?:shaffaf\w*|tekhtefi|te5tefi)",
            r"3ary\w*|3aryan|3arri\w*|t3arri\w*|ta3riya",
            r"men\s+gh?eir?\s+hdoom|men\s+gher\s+hdoom",
            r"zay\s+ma\s+\w+\s+waldet\w*",
            r"ma\s?t?5all?ish\s+7aga\s+3ala",
        ),
        sexualise=(r"malabes\s+el\s+dakhlia|lingerie|sexy|sowar\s+khassa",),
        person=(r"el\s+bent|zmelt\w*|gart\w*|momassela|ex\s+beta3i|okht\w*",),
        pronoun=(r"\w+ha",),
        informational=(r"azay\s+a-?\s?report|eshra7|leih|mo2ziya",),
    ),
    Lexicon(
        "hi",
        False,
        undress=(
            r"कपडे\s*(?:\S+\s+){0,2}(?:उतार|हटा|गायब|पारदर्शी)",
            r"नंग[ाीे]|नग्न|निर्वस्त्र",
            r"बिना\s+कपड",
            r"जैसी\s+(?:वो|वह)\s+पैदा",
            r"(?:साडी|ब्लाउज|दुपट्टा)\s*(?:\S+\s+){0,3}हटा",
            r"शरीर\s+पर\s+कुछ\s+भी\s+न",
        ),
        sexualise=(r"अंडरवियर|लॉन्जरी|सेक्सी|निजी\s+तस्वीर",),
        nudify=(r"कपडे\s+उतारने\s+वाल\S*\s+ऐप",),
        person=(r"लडकी|सहकर्मी|क्लासमेट|पडोसन|अभिनेत्री|एक्स|बहन|सहेली",),
        pronoun=(r"उसके|उसकी|उसे|इसके|इसकी|इसे",),
        informational=(r"समझाओ|क्यों|हानिकारक|शिकायत|रिपोर्ट",),
    ),
    Lexicon(
        "ar",
        False,
        undress=(
            r"اخلع|اخلعي|خلع\s+ملابس",
            r"(?:ازل|ازيل|احذف|انزع|شيل)\s+(?:\S+\s+){0,2}(?:ملابس|فستان|حمال|ثياب)",
            r"(?:ملابس|ثياب)\S*\s+(?:\S+\s+){0,1}(?:شفاف|تختفي)",
            r"عاري|عاريه|عارية|عراة|تعري\S*|عر\s",
            r"بدون\s+ملابس|بلا\s+ملابس|بدون\s+ثياب",
            r"كما\s+ولدته?ا",
            r"لا\s+تترك\s+شيئا\s+على\s+جسد",
        ),
        sexualise=(r"ملابس\s+(?:ال)?داخلي\S*|مثير\S*|صور\s+خاص\S*|اباحي\S*",),
        nudify=(r"تطبيق\S*\s+(?:\S+\s+)?(?:لتعري|تعري)\S*",),
        person=(r"فتاة|الفتاة|زميلت\S*|جارت\S*|ممثل\S*|حبيبت\S*|اخت\S*|صديقت\S*",),
        pronoun=(r"\S+ها(?:\s|$)",),
        informational=(r"كيف\s+ابلغ|ابلاغ|اشرح|لماذا|ضار\S*",),
    ),
    Lexicon(
        "zh",
        False,
        undress=(
            r"脱光|扒光",
            # "把他的外套脱掉" takes off a coat: the verb alone counts after no outerwear.
            r"(?<!外套)(?<!夹克)(?<!帽子)(?<!鞋子)(?<!围巾)(?<!手套)(?<!眼镜)(?:脱掉|脱下)",
            r"衣服.{0,3}(?:去掉|脱|消失|透明|删)",
            r"(?:去掉|删掉|删除|脱掉).{0,10}(?:衣服|裙子|胸罩|内衣|衣物)",
            r"一丝不挂|裸照|裸体|全裸|赤裸|不穿衣服|没穿衣服",
            r"刚出生时的样子",
            r"什么都不要留",
        ),
        sexualise=(r"内衣|性感|私密照|情趣",),
        nudify=(r"一键脱衣|脱衣软件|去衣",),
        person=(r"女孩|同事|同学|邻居|女演员|前女友|姐姐|妹妹|老师|女生",),
        pronoun=(r"她",),
        informational=(r"举报|解释|为什么|有害",),
    ),
    Lexicon(
        "ja",
        False,
        undress=(
            r"(?<!ジャケットを)(?<!コートを)(?<!帽子を)(?<!靴を)(?<!上着を)(?:脱がせ|脱がし)|脱衣",
            r"服.{0,3}(?:全部)?(?:消し|消え|透け|なく)",
            r"(?:ワンピース|ブラ|下着)\S{0,4}消し",
            r"裸|ヌード",
            r"生まれたままの姿",
            r"何も着ていない",
            r"体に何も残さ",
        ),
        sexualise=(r"下着姿|ランジェリー|セクシー|プライベート写真",),
        nudify=(r"脱が(?:せる|す)アプリ|脱衣アプリ",),
        person=(r"女の子|同僚|クラスメイト|隣人|女優|元カノ|先生|姉|妹",),
        pronoun=(r"彼女",),
        informational=(r"通報|説明|なぜ|有害",),
    ),
    Lexicon(
        "ko",
        False,
        undress=(
            r"벗겨|벗기",
            r"옷[을이]?\s*(?:전부|다|모두)?\s*(?:지워|없애|사라|투명)",
            r"(?:원피스|브래지어|속옷)[와과를을]?\s*(?:\S+\s+)?지워",
            r"알몸|누드|나체",
            r"태어난\s*그대로",
            r"아무것도\s*안\s*입",
            r"몸에\s*아무것도\s*남기지",
        ),
        sexualise=(r"속옷만|란제리|섹시|사적인\s*사진",),
        nudify=(r"옷\s*벗기는\s*앱",),
        person=(r"여자|동료|반\s*친구|이웃|여배우|전\s*여자친구|선생님|누나|언니",),
        pronoun=(r"그녀",),
        informational=(r"신고|설명|왜|해로운",),
    ),
    Lexicon(
        "objects (Latin and Cyrillic scripts)",
        True,
        non_person=(
            r"maniqui\w*|mannequins?|manequi\w*|manichin\w*|schaufensterpupp\w*|manekin\w*|"
            r"manken\w*|ma-?\s?no-?\s?canh|манекен\w*|maneken\w*|kukl\w*|кукл\w*|"
            r"puppe\w*|muneca\w*|poupee\w*|bambol\w*|boneca\w*|lalk\w*|boneka\w*|putla|putle",
        ),
        outerwear=(
            r"jackets?|coats?|hats?|caps?|glasses|sunglasses|scarf|gloves?|shoes?|boots?|"
            r"backpack|helmet|chaqueta|abrigo|sombrero|gorra|gafas|lentes|jaqueta|casaco|chapeu|"
            r"bone|oculos|veste|manteau|chapeau|casquette|lunettes|jacke|mantel|mutze|hut|"
            r"brille|giacca|cappotto|cappello|occhiali|kurtk\w*|plaszcz\w*|czapk\w*|okular\w*|"
            r"ceket\w*|mont|montu|sapka\w*|gozlu\w*|jaket\w*|topi\w*|kacamata\w*|salamin|"
            r"ao\s+khoac|kinh|куртк\w*|пальто|шапк\w*|очк\w*|шляп\w*|palto|shapk\w*|ochki|"
            r"chashma",
        ),
    ),
    Lexicon(
        "objects (other scripts)",
        False,
        non_person=(
            r"人体模特|假人|人偶|マネキン|人形|마네킹|인형|पुतल|مانيكان|عارضات?\s+ازياء\s+بلاستيكي|دمي",
        ),
        outerwear=(
            r"外套|夹克|帽子|眼镜|围巾|手套|鞋|ジャケット|コート|眼鏡|メガネ|マフラー|上着|재킷|코트|"
            r"모자|안경|목도리|जैकेट|कोट|टोपी|चश्मा|سترة|معطف|قبعة|نظارة|جاكيت",
        ),
    ),
)
