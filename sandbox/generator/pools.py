"""Word pools the synthetic company is drawn from: names by locale, titles, industries, countries.

Each name is a (display, ascii slug) pair: the slug builds the e-mail local part, so unicode names
(é, ü, ø, ñ, Chinese, Japanese) still get plausible ASCII addresses.
"""

from __future__ import annotations

NAMES: dict[str, tuple[list[tuple[str, str]], list[tuple[str, str]]]] = {
    "en": (
        [
            (n, n.lower())
            for n in [
                "James",
                "Mary",
                "John",
                "Patricia",
                "Robert",
                "Jennifer",
                "Michael",
                "Linda",
                "David",
                "Sarah",
                "Emily",
                "Daniel",
                "Laura",
                "Kevin",
                "Rachel",
                "Thomas",
                "Olivia",
                "Ethan",
                "Grace",
                "Ryan",
                "Chloe",
                "Nathan",
                "Megan",
                "Lucas",
            ]
        ],
        [
            (n, n.lower())
            for n in [
                "Smith",
                "Johnson",
                "Williams",
                "Brown",
                "Jones",
                "Miller",
                "Davis",
                "Wilson",
                "Anderson",
                "Taylor",
                "Moore",
                "Clark",
                "Lewis",
                "Walker",
                "Young",
                "Allen",
                "King",
                "Wright",
                "Scott",
                "Green",
                "Baker",
                "Adams",
                "Nelson",
                "Hill",
            ]
        ],
    ),
    "fr": (
        [
            ("Chloé", "chloe"),
            ("Léa", "lea"),
            ("Zoé", "zoe"),
            ("Hélène", "helene"),
            ("Amélie", "amelie"),
            ("Raphaël", "raphael"),
            ("Jérôme", "jerome"),
            ("Loïc", "loic"),
            ("Pierre", "pierre"),
            ("Camille", "camille"),
        ],
        [
            ("Lefèvre", "lefevre"),
            ("Dubois", "dubois"),
            ("Martin", "martin"),
            ("Gérard", "gerard"),
            ("Rousseau", "rousseau"),
            ("Bélanger", "belanger"),
            ("Moreau", "moreau"),
            ("Laurent", "laurent"),
        ],
    ),
    "de": (
        [
            ("Jürgen", "juergen"),
            ("Günter", "guenter"),
            ("Jörg", "joerg"),
            ("Lena", "lena"),
            ("Anna", "anna"),
            ("Lukas", "lukas"),
            ("Sören", "soeren"),
            ("Katrin", "katrin"),
        ],
        [
            ("Müller", "mueller"),
            ("Schröder", "schroeder"),
            ("Schäfer", "schaefer"),
            ("Krüger", "krueger"),
            ("Weiß", "weiss"),
            ("Fischer", "fischer"),
            ("Becker", "becker"),
            ("Hoffmann", "hoffmann"),
        ],
    ),
    "nordic": (
        [
            ("Søren", "soren"),
            ("Bjørn", "bjorn"),
            ("Åsa", "asa"),
            ("Ingrid", "ingrid"),
            ("Magnus", "magnus"),
            ("Sigrid", "sigrid"),
        ],
        [
            ("Sørensen", "sorensen"),
            ("Løvaas", "lovaas"),
            ("Ødegaard", "odegaard"),
            ("Lindqvist", "lindqvist"),
            ("Nygård", "nygard"),
            ("Berg", "berg"),
        ],
    ),
    "es": (
        [
            ("José", "jose"),
            ("María", "maria"),
            ("Íñigo", "inigo"),
            ("Begoña", "begona"),
            ("Lucía", "lucia"),
            ("Álvaro", "alvaro"),
            ("Carmen", "carmen"),
        ],
        [
            ("Muñoz", "munoz"),
            ("Núñez", "nunez"),
            ("Ibáñez", "ibanez"),
            ("García", "garcia"),
            ("Peña", "pena"),
            ("López", "lopez"),
            ("Ruiz", "ruiz"),
        ],
    ),
    "zh": (
        [
            ("伟", "wei"),
            ("芳", "fang"),
            ("娜", "na"),
            ("强", "qiang"),
            ("静", "jing"),
            ("磊", "lei"),
        ],
        [
            ("王", "wang"),
            ("李", "li"),
            ("张", "zhang"),
            ("刘", "liu"),
            ("陈", "chen"),
            ("杨", "yang"),
        ],
    ),
    "ja": (
        [
            ("健太", "kenta"),
            ("さくら", "sakura"),
            ("翔", "sho"),
            ("陽菜", "hina"),
            ("大輔", "daisuke"),
            ("美咲", "misaki"),
        ],
        [
            ("佐藤", "sato"),
            ("鈴木", "suzuki"),
            ("高橋", "takahashi"),
            ("田中", "tanaka"),
            ("伊藤", "ito"),
            ("渡辺", "watanabe"),
        ],
    ),
}

# country code, weight, name locale, cities
COUNTRIES: list[tuple[str, float, str, list[str]]] = [
    ("United States", 0.42, "en", ["New York", "San Francisco", "Austin", "Chicago", "Boston"]),
    ("United Kingdom", 0.10, "en", ["London", "Manchester", "Edinburgh"]),
    ("Canada", 0.05, "en", ["Toronto", "Vancouver", "Montréal"]),
    ("Australia", 0.04, "en", ["Sydney", "Melbourne"]),
    ("Germany", 0.09, "de", ["Berlin", "München", "Köln", "Hamburg"]),
    ("France", 0.08, "fr", ["Paris", "Lyon", "Toulouse"]),
    ("Spain", 0.05, "es", ["Madrid", "Barcelona", "Sevilla"]),
    ("Sweden", 0.03, "nordic", ["Stockholm", "Göteborg"]),
    ("Norway", 0.03, "nordic", ["Oslo", "Bergen"]),
    ("Denmark", 0.03, "nordic", ["København", "Aarhus"]),
    ("Japan", 0.04, "ja", ["Tokyo", "Osaka"]),
    ("China", 0.04, "zh", ["Shanghai", "Beijing", "Shenzhen"]),
]

# industry, fit weight (how good a customer the industry makes for a B2B marketing tool)
INDUSTRIES: list[tuple[str, float]] = [
    ("Computer Software", 1.0),
    ("Information Technology and Services", 0.9),
    ("Marketing and Advertising", 0.9),
    ("Financial Services", 0.6),
    ("Internet", 0.8),
    ("Hospital & Health Care", 0.3),
    ("Retail", 0.4),
    ("Education Management", 0.2),
    ("Logistics and Supply Chain", 0.3),
    ("Telecommunications", 0.5),
    ("Machinery", 0.1),
    ("Government Administration", 0.1),
]

COMPANY_WORDS_A = [
    "Blue",
    "Bright",
    "North",
    "Silver",
    "Red",
    "Quantum",
    "Apex",
    "Clear",
    "Swift",
    "Green",
    "Nova",
    "Iron",
    "Open",
    "Solid",
    "True",
    "Deep",
    "Cloud",
    "Pine",
    "Stone",
    "Sun",
]
COMPANY_WORDS_B = [
    "peak",
    "wave",
    "bridge",
    "field",
    "path",
    "stack",
    "forge",
    "line",
    "works",
    "point",
    "gate",
    "leaf",
    "labs",
    "shift",
    "spark",
    "base",
    "grid",
    "core",
]
COMPANY_SUFFIX = [
    "Inc",
    "GmbH",
    "Ltd",
    "Analytics",
    "Systems",
    "Group",
    "Software",
    "Partners",
    "SA",
    "AB",
]

# seniority, weight among people, fit weight, titles (department in the title)
SENIORITIES: list[tuple[str, float, float, list[str]]] = [
    (
        "ic",
        0.50,
        0.15,
        [
            "Marketing Specialist",
            "Sales Development Representative",
            "Software Engineer",
            "Data Analyst",
            "Account Executive",
            "Content Writer",
            "Operations Associate",
        ],
    ),
    (
        "manager",
        0.25,
        0.45,
        [
            "Marketing Manager",
            "Demand Generation Manager",
            "Sales Manager",
            "Marketing Operations Manager",
            "Engineering Manager",
        ],
    ),
    (
        "director",
        0.13,
        0.75,
        [
            "Director of Marketing",
            "Director of Sales",
            "Director, Revenue Operations",
            "Director of Growth",
        ],
    ),
    ("vp", 0.08, 0.9, ["VP Marketing", "VP Sales", "VP Revenue Operations", "VP Growth"]),
    (
        "cxo",
        0.04,
        0.8,
        ["Chief Marketing Officer", "Chief Revenue Officer", "CEO", "Founder & CEO"],
    ),
]

PERSONAL_DOMAINS = ["gmail.com", "yahoo.com", "outlook.com", "hotmail.com"]
ROLE_LOCALS = ["info", "sales", "marketing"]
