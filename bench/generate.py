"""Write a synthetic mapping project of N articles, deterministically, for the build benchmark.

`python -m bench.generate --articles N --out DIR` writes DIR/mappings/registry.yaml and
DIR/mappings/articles/<id>.{yaml,txt} in the format of docs/mapping-format.md. Each article is
about 3–5 KB of Vietnamese-like text with 20–40 entities (people holding posts, companies, events
with dates, participations, statistics, quotations) and 80–150 facts, every quote cut from the
text itself. Articles also state facts about shared registry entities (cities in countries,
ministries), so the build's cross-article deduplication does real work.

The same seed gives the same bytes: one `random.Random` per article, seeded with a string (string
seeds are hashed with SHA-512, so PYTHONHASHSEED does not matter).
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

try:  # the C dumper is ~10x faster and writes the same text for the plain data we dump
    from yaml import CSafeDumper as _Dumper
except ImportError:  # pragma: no cover - libyaml is part of the usual PyYAML wheels
    from yaml import SafeDumper as _Dumper  # type: ignore[assignment]

Fact = dict[str, Any]

COUNTRIES = [("viet-nam", "Việt Nam", "Vietnam"), ("han-quoc", "Hàn Quốc", "South Korea")]
COUNTRIES += [("nhat-ban", "Nhật Bản", "Japan"), ("singapore", "Singapore", "Singapore")]
CITIES = [
    ("ha-noi", "Hà Nội", "Hanoi", "viet-nam"),
    ("da-nang", "Đà Nẵng", "Da Nang", "viet-nam"),
    ("tp-ho-chi-minh", "TP Hồ Chí Minh", "Ho Chi Minh City", "viet-nam"),
    ("hai-phong", "Hải Phòng", "Hai Phong", "viet-nam"),
    ("can-tho", "Cần Thơ", "Can Tho", "viet-nam"),
    ("hue", "Huế", "Hue", "viet-nam"),
    ("seoul", "Seoul", "Seoul", "han-quoc"),
    ("busan", "Busan", "Busan", "han-quoc"),
    ("tokyo", "Tokyo", "Tokyo", "nhat-ban"),
    ("yokohama", "Yokohama", "Yokohama", "nhat-ban"),
]
MINISTRIES = [
    ("bo-xay-dung", "Bộ Xây dựng", "Ministry of Construction"),
    ("bo-thong-tin-va-truyen-thong", "Bộ Thông tin và Truyền thông", "Ministry of Information"),
    ("bo-khoa-hoc-va-cong-nghe", "Bộ Khoa học và Công nghệ", "Ministry of Science"),
    ("bo-ke-hoach-va-dau-tu", "Bộ Kế hoạch và Đầu tư", "Ministry of Planning and Investment"),
    ("bo-tai-nguyen-va-moi-truong", "Bộ Tài nguyên và Môi trường", "Ministry of Environment"),
]
ASSOCIATIONS = [
    ("vinasa", "Hiệp hội Phần mềm và Dịch vụ CNTT Việt Nam", "VINASA"),
    ("hiep-hoi-do-thi", "Hiệp hội Đô thị Việt Nam", "Association of Cities of Vietnam"),
    ("vcci", "Liên đoàn Thương mại và Công nghiệp Việt Nam", "VCCI"),
]
THEMES = [
    ("do-thi-thong-minh", "đô thị thông minh", "smart city"),
    ("chuyen-doi-so", "chuyển đổi số", "digital transformation"),
    ("chinh-phu-so", "chính phủ số", "digital government"),
    ("giao-thong-thong-minh", "giao thông thông minh", "smart transport"),
    ("phat-trien-ben-vung", "phát triển bền vững", "sustainable development"),
    ("du-lieu-mo", "dữ liệu mở", "open data"),
]

SURNAMES = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi"]
MIDDLES = ["Văn", "Thị", "Hồng", "Minh", "Quốc", "Thanh", "Đức", "Ngọc", "Xuân", "Hữu"]
GIVENS = ["An", "Bình", "Cường", "Dũng", "Hà", "Hải", "Hùng", "Lan", "Long", "Mai", "Nam"]
GIVENS += ["Phong", "Quân", "Sơn", "Tâm", "Thảo", "Trung", "Tuấn", "Việt", "Yến"]
TITLES = [("Giám đốc", "Director"), ("Phó Giám đốc", "Deputy Director"), ("Chủ tịch", "Chair")]
TITLES += [("Tổng Giám đốc", "CEO"), ("Trưởng ban", "Head"), ("Viện trưởng", "Head of Institute")]
COMPANY_WORDS = ["Minh Tâm", "Sao Việt", "Hưng Thịnh", "Đông Á", "Phú Gia", "Tân Tiến", "Hoà Bình"]
COMPANY_WORDS += ["Kim Long", "Thiên Phát", "Bách Khoa", "An Khang", "Trường Sơn", "Hải Âu"]
EVENT_KINDS = [("Conference", "Hội nghị", "Conference"), ("Forum", "Diễn đàn", "Forum")]
EVENT_KINDS += [("Workshop", "Hội thảo", "Workshop"), ("Exhibition", "Triển lãm", "Exhibition")]
ROLES = [("Speaker", "phát biểu"), ("Chair", "chủ trì"), ("Presenter", "trình bày tham luận")]
ROLES += [("Attendee", "tham dự"), ("Guest", "là khách mời")]
MEASURES = [
    ("dự án chuyển đổi số", "digital transformation projects", "ItemCount"),
    ("tỷ lệ hồ sơ trực tuyến", "share of online applications", "Percent"),
    ("số người dùng dịch vụ công", "users of public services", "PersonCount"),
    ("vốn đầu tư cho hạ tầng số", "investment in digital infrastructure", "USD"),
    ("số đô thị tham gia", "participating cities", "CityCount"),
]
QUALIFIERS = [("Exactly", ""), ("MoreThan", "hơn "), ("Approximately", "khoảng ")]
QUALIFIERS += [("Nearly", "gần "), ("AtLeast", "ít nhất ")]
FILLER = [
    "Các đại biểu đã trao đổi về kinh nghiệm xây dựng hạ tầng dữ liệu dùng chung "
    "giữa các sở ngành.",
    "Nhiều ý kiến cho rằng người dân cần được đặt ở vị trí trung tâm của quá trình chuyển đổi.",
    "Theo đánh giá của ban tổ chức, chất lượng các tham luận năm nay cao hơn nhiều "
    "so với năm trước.",
    "Việc kết nối các trung tâm điều hành giúp chính quyền phản ứng nhanh hơn với sự cố đô thị.",
    "Các doanh nghiệp công nghệ giới thiệu giải pháp quản lý giao thông, chiếu sáng và cấp nước.",
    "Bên lề sự kiện, nhiều biên bản ghi nhớ hợp tác giữa địa phương và doanh nghiệp "
    "đã được ký kết.",
    "Chuyên gia quốc tế khuyến nghị cần có lộ trình rõ ràng và cơ chế chia sẻ dữ liệu minh bạch.",
    "Những mô hình thí điểm thành công sẽ được nhân rộng ra các quận, huyện trong thời gian tới.",
]


@dataclass
class _Article:
    """One article being written: its text grows sentence by sentence, quotes are cut from it."""

    rng: random.Random
    suffix: str
    sentences: list[str] = field(default_factory=list)
    entities: list[dict[str, Any]] = field(default_factory=list)

    def say(self, sentence: str) -> None:
        self.sentences.append(sentence)

    def entity(self, local: str, kind: str, vi: str, en: str, quote: str, facts: list[Fact]) -> str:
        entity_id = f"{local}-{self.suffix}"
        self.entities.append(
            {
                "id": entity_id,
                "type": kind,
                "label": {"vi": vi, "en": en},
                "quote": quote,
                "facts": facts,
            }
        )
        return entity_id

    def text(self) -> str:
        return "\n".join(self.sentences) + "\n"


def _ascii(text: str) -> str:
    folded = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    plain = "".join(c for c in folded if not unicodedata.combining(c)).lower()
    return "-".join("".join(c if c.isalnum() else " " for c in plain).split())


def _ref(prop: str, ref: str, quote: str) -> Fact:
    return {"prop": prop, "ref": ref, "quote": quote}


def _value(prop: str, value: Any, quote: str) -> Fact:
    return {"prop": prop, "value": value, "quote": quote}


def registry() -> dict[str, Any]:
    """The shared entities every generated article refers to."""
    entities: list[dict[str, Any]] = []
    for key, vi, en in COUNTRIES:
        entities.append({"id": key, "type": "Country", "label": {"vi": vi, "en": en}})
    for key, vi, en, _ in CITIES:
        entities.append({"id": key, "type": "City", "label": {"vi": vi, "en": en}})
    for key, vi, en in MINISTRIES:
        entities.append({"id": key, "type": "GovernmentBody", "label": {"vi": vi, "en": en}})
    for key, vi, en in ASSOCIATIONS:
        entities.append({"id": key, "type": "Association", "label": {"vi": vi, "en": en}})
    for key, vi, en in THEMES:
        entities.append({"id": key, "type": "Theme", "label": {"vi": vi, "en": en}})
    return {"entities": entities}


def article(seed: int, index: int) -> tuple[str, dict[str, Any], str]:
    """Article `index` of the project with this seed: (article id, mapping, text)."""
    rng = random.Random(f"scgraph-bench:{seed}:{index}")
    art = _Article(rng, f"a{index}")
    year = rng.randint(2015, 2024)
    city_key, city_vi, _, country_key = rng.choice(CITIES)
    country_vi = next(vi for key, vi, _ in COUNTRIES if key == country_key)
    ministry_key, ministry_vi, _ = rng.choice(MINISTRIES)
    themes = rng.sample(THEMES, 2)

    kind, kind_vi, kind_en = rng.choice(EVENT_KINDS)
    edition = rng.randint(1, 12)
    topic_vi, topic_en = themes[0][1], themes[0][2]
    headline = f"{kind_vi} {topic_vi} {city_vi} lần thứ {edition} năm {year}"
    art.say(headline)
    day, month = rng.randint(1, 28), rng.randint(1, 12)
    published = dt.date(year, month, day)
    start = published - dt.timedelta(days=rng.randint(0, 3))
    date_text = f"Ngày {start.day}/{start.month}/{start.year}"
    place_text = f"tại {city_vi}, {country_vi}"
    organiser_text = f"do {ministry_vi} chủ trì tổ chức"
    online = rng.random() < 0.3
    mode_text = "theo hình thức trực tuyến" if online else "theo hình thức trực tiếp"
    event_text = f"{kind_vi} {topic_vi} lần thứ {edition}"
    art.say(
        f"{date_text}, {event_text} đã diễn ra {place_text}, {organiser_text}, {mode_text}, "
        f"với sự tham gia của nhiều đại biểu trong nước và quốc tế."
    )
    event = art.entity(
        f"su-kien-{_ascii(kind_vi)}",
        kind,
        f"{event_text} năm {year}",
        f"{kind_en} on {topic_en}, edition {edition}, {year}",
        event_text,
        [
            _value("startDate", start, date_text),
            _value("editionNumber", edition, f"lần thứ {edition}"),
            _value("isOnline", online, mode_text),
            _ref("location", city_key, place_text),
            _ref("organiser", ministry_key, organiser_text),
            _ref("theme", themes[0][0], topic_vi),
        ],
    )
    session_text = f"Phiên thảo luận chuyên đề về {themes[1][1]}"
    art.say(f"{session_text} được tổ chức ngay sau lễ khai mạc, thu hút đông đảo doanh nghiệp.")
    session = art.entity(
        "phien-thao-luan",
        "Workshop",
        f"{session_text} năm {year}",
        f"Session on {themes[1][2]}, {year}",
        session_text,
        [
            _ref("partOfEvent", event, "được tổ chức ngay sau lễ khai mạc"),
            _ref("theme", themes[1][0], themes[1][1]),
        ],
    )
    registry_facts = [
        {"subject": city_key, **_ref("containedIn", country_key, f"{city_vi}, {country_vi}")},
        {"subject": ministry_key, **_ref("jurisdiction", country_key, f"{city_vi}, {country_vi}")},
    ]

    organisations = _companies(art, city_key, city_vi)
    _people(art, organisations, [event, session], ministry_key, ministry_vi)
    _statistics(art, city_key, city_vi, year, event)
    _fill(art)
    header_facts = [
        _value("headline", headline, headline),
        _value("datePublished", published, date_text),
        _ref("about", event, event_text),
        _ref("theme", themes[0][0], topic_vi),
        _ref("theme", themes[1][0], themes[1][1]),
    ]
    mapping = {
        "article": {
            "label": {"vi": headline, "en": f"{kind_en} on {topic_en} in {city_vi}, {year}"},
            "language": "vi",
            "dropped_lines": [],
            "facts": header_facts,
        },
        "entities": art.entities,
        "facts": registry_facts,
    }
    return f"bench_{index:06d}", mapping, art.text()


def _companies(art: _Article, city_key: str, city_vi: str) -> list[tuple[str, str]]:
    """Two to four local companies, each based in the city and member of an association."""
    made: list[tuple[str, str]] = []
    for word in art.rng.sample(COMPANY_WORDS, art.rng.randint(2, 4)):
        name = f"Công ty Cổ phần Công nghệ {word}"
        association_key, association_vi, _ = art.rng.choice(ASSOCIATIONS)
        based = f"{name} có trụ sở tại {city_vi}"
        member = f"là hội viên của {association_vi}"
        art.say(f"{based} và {member}, chuyên cung cấp giải pháp đô thị thông minh.")
        key = art.entity(
            f"cong-ty-{_ascii(word)}",
            "Company",
            name,
            f"{word} Technology JSC",
            name,
            [_ref("basedIn", city_key, based), _ref("memberOf", association_key, member)],
        )
        made.append((key, name))
    return made


def _people(
    art: _Article,
    organisations: list[tuple[str, str]],
    events: list[str],
    ministry_key: str,
    ministry_vi: str,
) -> None:
    """Five to eight people, each with a post, a participation, and for some a quotation."""
    bodies = [*organisations, (ministry_key, ministry_vi)]
    count = art.rng.randint(5, 8)
    for number in range(count):
        name = f"{art.rng.choice(SURNAMES)} {art.rng.choice(MIDDLES)} {art.rng.choice(GIVENS)}"
        title_vi, title_en = art.rng.choice(TITLES)
        body_key, body_vi = art.rng.choice(bodies)
        role, role_vi = art.rng.choice(ROLES)
        post_text = f"{title_vi} {body_vi}"
        intro = f"Ông {name}, {post_text}" if number % 2 else f"Bà {name}, {post_text}"
        acted = f"{role_vi} tại phiên {number + 1}"
        art.say(f"{intro}, đã {acted} và chia sẻ nhiều kinh nghiệm thực tiễn.")
        slug = f"{_ascii(name)}-{number}"
        post = art.entity(
            f"post-{slug}",
            "Post",
            post_text,
            f"{title_en}, {body_vi}",
            post_text,
            [
                _ref("postIn", body_key, post_text),
                _value("postTitle", {"vi": title_vi, "en": title_en}, title_vi),
            ],
        )
        person = art.entity(
            slug,
            "Person",
            name,
            _ascii(name).replace("-", " ").title(),
            name,
            [_ref("holdsPost", post, intro)],
        )
        art.entity(
            f"participation-{slug}",
            "Participation",
            f"{name} {acted}",
            f"{name} at session {number + 1}",
            acted,
            [
                _ref("participant", person, intro),
                _ref("inEvent", events[number % len(events)], acted),
                _ref("role", role, role_vi),
                _ref("onBehalfOf", body_key, post_text),
            ],
        )
        if number % 3 == 0:
            said = f"“{art.rng.choice(FILLER)[:-1]} ở {body_vi}”"
            art.say(f"{name} nhấn mạnh: {said}.")
            art.entity(
                f"quotation-{slug}",
                "Quotation",
                f"{name} nhấn mạnh",
                f"{name} stresses",
                f"{name} nhấn mạnh: {said}",
                [
                    _ref("spokenBy", person, f"{name} nhấn mạnh"),
                    _value("quotationText", {"vi": said[1:-1]}, said),
                    _value("isDirectQuote", True, said),
                    _ref("saidAt", events[0], f"{name} nhấn mạnh"),
                ],
            )


def _statistics(art: _Article, city_key: str, city_vi: str, year: int, event: str) -> None:
    """Three to five figures, each with value, unit, qualifier, measure, area, year."""
    for number, (measure_vi, measure_en, unit) in enumerate(
        art.rng.sample(MEASURES, art.rng.randint(3, 5))
    ):
        qualifier, qualifier_vi = art.rng.choice(QUALIFIERS)
        value = art.rng.randint(2, 950)
        unit_vi = "%" if unit == "Percent" else (" triệu USD" if unit == "USD" else "")
        figure = f"{qualifier_vi}{value}{unit_vi}"
        where = f"của {city_vi} năm {year}"
        stated = f"{measure_vi} {where} đạt {figure}"
        art.say(f"Theo số liệu được công bố tại sự kiện, {stated}, tăng so với cùng kỳ.")
        art.entity(
            f"statistic-{number}-{unit.lower()}",
            "Statistic",
            f"{measure_vi} {where}".capitalize(),
            f"{measure_en} of {city_vi}, {year}",
            stated,
            [
                _value("value", value * 1_000_000 if unit == "USD" else value, figure),
                _ref("unit", unit, figure),
                _ref("qualifier", qualifier, stated),
                _value("measure", {"vi": measure_vi, "en": measure_en}, measure_vi),
                _ref("area", city_key, where),
                _value("year", year, where),
                _ref("refersTo", event, "được công bố tại sự kiện"),
            ],
        )


def _fill(art: _Article) -> None:
    """Reporting prose between the facts, so the text is as long as a real article (3–5 KB)."""
    target = art.rng.randint(3000, 5000)
    while len(art.text().encode()) < target:
        art.say(art.rng.choice(FILLER))


def _dump(data: dict[str, Any]) -> str:
    text: str = yaml.dump(
        data,
        Dumper=_Dumper,
        allow_unicode=True,
        sort_keys=False,
        width=1000,
        default_flow_style=None,
    )
    return text


def generate(out: Path, articles: int, seed: int = 0) -> Path:
    """Write the project under out/mappings; returns that mappings folder."""
    mappings = out / "mappings"
    folder = mappings / "articles"
    folder.mkdir(parents=True, exist_ok=True)
    (mappings / "registry.yaml").write_text(_dump(registry()), encoding="utf-8")
    for index in range(articles):
        article_id, mapping, text = article(seed, index)
        (folder / f"{article_id}.txt").write_text(unicodedata.normalize("NFC", text), "utf-8")
        (folder / f"{article_id}.yaml").write_text(_dump(mapping), encoding="utf-8")
    return mappings


def run(argv: list[str] | None = None) -> None:
    """Command line: `python -m bench.generate --articles N --out DIR [--seed S]`.

    Named `run`, not `main`, so `python -m bench` (which calls every module's `main`) skips it.
    """
    parser = argparse.ArgumentParser(prog="python -m bench.generate", description=__doc__)
    parser.add_argument("--articles", type=int, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    mappings = generate(args.out, args.articles, args.seed)
    print(f"wrote {args.articles} articles and a registry to {mappings}")


if __name__ == "__main__":
    run()
