"""The master profile: one per user, created on first write, with five ordered sections.

Every write validates its input (trimmed strings with limits, URLs, `YYYY-MM` months, no future
starts, ends after starts) and names the offending field. Items are found by id *and* owner, so
another user's id is NOT_FOUND. Editing an item's text clears its stale enhancement.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from functools import partial
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.accounts import normalise_email
from domain.documents.resume_parsing import ParsedResume
from domain.errors import BadInput, NotFound
from domain.indexing import Notify, record_item
from domain.months import check_range, parse_month, this_month
from domain.ownership import owned_or_not_found
from domain.profile_import import ImportResult, Skipped, describe, natural_key, resume_fields, resume_items
from domain.skills import Lexicon
from domain.validation import clean_text, clean_url
from storage.accounts import User
from storage.db import transaction
from storage.outbox import record_delete
from storage.profiles import SECTION_MODELS, Profile, ProfileRace, ProfileRepository, SectionItem

SECTIONS = tuple(SECTION_MODELS)
INDEXED = frozenset({"experiences", "projects"})  # sections with text worth searching
MAX_LIST_ITEMS = 30
MAX_LINKS = 20
SKILL_LEVELS = ("BEGINNER", "INTERMEDIATE", "ADVANCED", "EXPERT")
Rule = Callable[[Any, str], Any]


def text(max_length: int) -> Rule:
    return lambda value, field: clean_text(value, field, max_length=max_length)


def month(value: Any, field: str) -> date | None:
    return parse_month(value, field)


def url(value: Any, field: str) -> str | None:
    return clean_url(value, field)


def text_list(max_items: int, max_length: int) -> Rule:
    def rule(values: Any, field: str) -> list[str]:
        items = [clean_text(v, field, max_length=max_length) for v in (values or [])]
        kept = [item for item in items if item]
        if len(kept) > max_items:
            raise BadInput(f"{field} can hold at most {max_items} entries", field=field)
        return kept

    return rule


def gpa(value: Any, field: str) -> float | None:
    if value is None:
        return None
    if not 0 <= float(value) <= 10:
        raise BadInput(f"{field} must be between 0 and 10", field=field)
    return round(float(value), 2)


def level(value: Any, field: str) -> str | None:
    if value is None:
        return None
    if value not in SKILL_LEVELS:
        raise BadInput(f"{field} must be one of {', '.join(SKILL_LEVELS)}", field=field)
    return str(value)


# section → field → (rule, required on add). Errors name fields so (graph/errors.py spells them for the API).
SECTION_RULES: dict[str, dict[str, tuple[Rule, bool]]] = {
    "experiences": {
        "title": (text(200), True),
        "company": (text(200), True),
        "location": (text(200), False),
        "start_month": (month, True),
        "end_month": (month, False),
        "description": (text(5000), False),
        "highlights": (text_list(MAX_LIST_ITEMS, 500), False),
        "skills": (text_list(50, 100), False),
    },
    "projects": {
        "name": (text(200), True),
        "description": (text(5000), False),
        "technologies": (text_list(50, 100), False),
        "url": (url, False),
        "start_month": (month, False),
        "end_month": (month, False),
    },
    "skills": {
        "name": (text(100), True),
        "category": (text(60), False),
        "level": (level, False),
    },
    "education": {
        "institution": (text(200), True),
        "degree": (text(200), False),
        "field_of_study": (text(200), False),
        "start_month": (month, False),
        "end_month": (month, False),
        "gpa": (gpa, False),
        "honours": (text(300), False),
    },
    "certifications": {
        "name": (text(200), True),
        "issuer": (text(200), False),
        "issued_month": (month, False),
        "url": (url, False),
    },
}
# Text whose change makes an enhancement stale.
ENHANCED_FROM = {"experiences": {"description", "highlights"}, "projects": {"description", "technologies"}}


def section_text(item: Any) -> str:
    """The text of an experience or project that enhancement rewrites: its description and bullets."""
    bullets = "\n".join(f"- {line}" for line in getattr(item, "highlights", []) or [])
    return "\n".join(part for part in (item.description or "", bullets) if part).strip()


def phone(value: Any, field: str) -> str | None:
    cleaned = clean_text(value, field, max_length=40)
    if cleaned and not all(ch.isdigit() or ch in " +-().ext" for ch in cleaned.lower()):
        raise BadInput(f"{field} may hold digits, spaces and + - ( ) only", field=field)
    return cleaned


def email(value: Any, field: str) -> str | None:
    cleaned = clean_text(value, field, max_length=254)
    return normalise_email(cleaned) if cleaned else None


def links(values: Any, field: str) -> list[dict[str, str]]:
    if len(values or []) > MAX_LINKS:
        raise BadInput(f"{field} can hold at most {MAX_LINKS} links", field=field)
    cleaned = []
    for link in values or []:
        address = clean_url(link.get("url"), field)
        if address is None:
            raise BadInput("Each link needs a URL", field=field)
        label = clean_text(link.get("label"), field, max_length=60) or address
        cleaned.append({"label": label, "url": address})
    return cleaned


PROFILE_RULES: dict[str, Rule] = {
    "full_name": text(200),
    "headline": text(300),
    "email": email,
    "phone": phone,
    "location": text(200),
    "links": links,
    "summary": text(5000),
}


class ProfileService:
    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], lexicon: Lexicon, notify: Notify | None = None
    ) -> None:
        self._sessions = sessions
        self._lexicon = lexicon
        self._notify = notify or (lambda: None)  # wakes the index worker after a commit

    async def profile(self, user: User) -> Profile | None:
        async with self._sessions() as session:
            return await ProfileRepository(session).of_user(user.id)

    async def store_enhancements(self, user: User, texts: dict[tuple[str, str], tuple[str, str]]) -> int:
        """Store enhanced text beside the originals: (kind, id) → (the original it was made from, the
        enhanced text). An item edited since it was read keeps no enhancement (it would be stale)."""
        models = {"experience": SECTION_MODELS["experiences"], "project": SECTION_MODELS["projects"]}

        async def write(repo: ProfileRepository) -> int:
            stored = 0
            profile = await repo.of_user(user.id)
            for (kind, item_id), (original, enhanced) in texts.items():
                if kind == "summary":
                    if profile is not None and (profile.summary or "") == original:
                        profile.enhanced_summary = enhanced
                        stored += 1
                    continue
                for item in await repo.items_by_ids(models[kind], user.id, [item_id]):
                    if section_text(item) == original:
                        item.enhanced_description = enhanced
                        stored += 1
            return stored

        return int(await self._write(write))

    async def items_by_ids(self, user: User, section: str, ids: Sequence[str]) -> dict[str, Any]:
        async with self._sessions() as session:
            rows = await ProfileRepository(session).items_by_ids(SECTION_MODELS[section], user.id, list(ids))
        return {row.id: row for row in rows}

    async def sections(self, profile_id: str, sections: Sequence[str]) -> list[list[Any]]:
        """Several sections of one profile, read in one session (a statement each), in the order asked."""
        async with self._sessions() as session:
            repo = ProfileRepository(session)
            return [(await repo.items_of_profiles(SECTION_MODELS[name], [profile_id]))[0] for name in sections]

    async def items_of_profiles(self, section: str, profile_ids: Sequence[str]) -> list[list[Any]]:
        async with self._sessions() as session:
            return await ProfileRepository(session).items_of_profiles(SECTION_MODELS[section], profile_ids)

    async def update_profile(self, user: User, values: dict[str, Any]) -> Profile:
        """Sets the given scalar fields (None or blank clears one); the rest stay as they are."""
        cleaned = {name: PROFILE_RULES[name](value, name) for name, value in values.items()}

        async def write(repo: ProfileRepository) -> Profile:
            profile = await repo.ensure(user.id)
            for name, value in cleaned.items():
                setattr(profile, name, [] if name == "links" and value is None else value)
            if "summary" in cleaned:
                profile.enhanced_summary = None
            return profile

        return await self._write(write)

    async def add_item(self, user: User, section: str, values: dict[str, Any]) -> Any:
        cleaned = self._clean(section, values)
        for name, (_, required) in SECTION_RULES[section].items():
            if required and cleaned.get(name) is None:
                raise BadInput(f"{name} is required", field=name)
        self._check_dates(section, cleaned)
        model = SECTION_MODELS[section]

        async def write(repo: ProfileRepository) -> Any:
            profile = await repo.ensure(user.id)
            item = model(user_id=user.id, profile_id=profile.id, **cleaned)
            item.position = await repo.next_position(model, profile.id)
            repo.add(item)
            await repo.session.flush()
            if section in INDEXED:
                record_item(repo.session, item)
            return item

        return await self._written(write, section)

    async def update_item(self, user: User, section: str, item_id: str, values: dict[str, Any]) -> Any:
        cleaned = self._clean(section, values)
        for name, (_, required) in SECTION_RULES[section].items():
            if required and name in cleaned and cleaned[name] is None:
                raise BadInput(f"{name} cannot be cleared", field=name)

        async def write(repo: ProfileRepository) -> Any:
            item = await self._owned(repo, user, section, item_id)
            merged = {name: getattr(item, name) for name in SECTION_RULES[section]} | cleaned
            self._check_dates(section, merged)
            for name, value in cleaned.items():
                setattr(item, name, value)
            if ENHANCED_FROM.get(section, set()) & cleaned.keys():
                item.enhanced_description = None
            if section in INDEXED:
                record_item(repo.session, item)
            return item

        return await self._written(write, section)

    async def delete_item(self, user: User, section: str, item_id: str) -> str:
        async def write(repo: ProfileRepository) -> str:
            await self._owned(repo, user, section, item_id)
            await repo.delete(SECTION_MODELS[section], item_id)
            if section in INDEXED:
                record_delete(repo.session, "profile_items", item_id)
            return item_id

        return await self._written(write, section)

    async def reorder(self, user: User, section: str, ids: list[str]) -> list[Any]:
        """`ids` must name every item of the section once; they take that order."""
        if len(set(ids)) != len(ids):
            raise BadInput("ids must not repeat", field="ids")

        async def write(repo: ProfileRepository) -> list[Any]:
            profile = await repo.of_user(user.id)
            items = await repo.items(SECTION_MODELS[section], profile.id) if profile else []
            by_id = {item.id: item for item in items}
            unknown = [item_id for item_id in ids if item_id not in by_id]
            if unknown:
                raise NotFound(f"No such item in your {section}: {unknown[0]}", field="ids")
            if len(ids) != len(items):
                raise BadInput(f"ids must list all {len(items)} items of your {section}", field="ids")
            for position, item_id in enumerate(ids):
                by_id[item_id].position = position
            return [by_id[item_id] for item_id in ids]

        return await self._write(write)

    async def import_resume(self, user: User, parsed: ParsedResume, *, replace: bool) -> ImportResult:
        """Fill the profile from a parsed resume in one transaction. MERGE adds what is missing (items
        matched by their natural key, empty fields filled); REPLACE empties the sections first and
        takes the resume's fields. Items the rules refuse are skipped and reported."""
        candidates = resume_items(parsed, self._lexicon)
        skipped: list[Skipped] = []
        cleaned: dict[str, list[dict[str, Any]]] = {section: [] for section in SECTIONS}
        for section, items in candidates.items():
            for values in items:
                try:
                    item = self._clean(section, values)
                    for name, (_, required) in SECTION_RULES[section].items():
                        if required and item.get(name) is None:
                            raise BadInput(f"{name} is missing", field=name)
                    self._check_dates(section, item)
                except BadInput as exc:
                    skipped.append(Skipped(section, exc, item=describe(values)))
                    continue
                cleaned[section].append(item)
        scalars: dict[str, Any] = {}
        for name, value in resume_fields(parsed).items():
            try:
                scalars[name] = PROFILE_RULES[name](value, name)
            except BadInput as exc:
                skipped.append(Skipped("profile", exc, field=name))

        async def write(repo: ProfileRepository) -> tuple[Profile, int]:
            profile = await repo.ensure(user.id)
            for name, value in scalars.items():
                if value and (replace or not getattr(profile, name)):
                    setattr(profile, name, value)
            added = 0
            for section, items in cleaned.items():
                model = SECTION_MODELS[section]
                existing = await repo.items(model, profile.id)
                if replace:
                    for old in existing:
                        await repo.delete(model, old.id)
                        if section in INDEXED:
                            record_delete(repo.session, "profile_items", old.id)
                    existing = []
                keys = {natural_key(section, {n: getattr(old, n) for n in SECTION_RULES[section]}) for old in existing}
                position = await repo.next_position(model, profile.id) if existing else 0
                for values in items:
                    key = natural_key(section, values)
                    if key in keys:
                        continue
                    keys.add(key)
                    item = model(user_id=user.id, profile_id=profile.id, position=position, **values)
                    position += 1
                    repo.add(item)
                    await repo.session.flush()
                    if section in INDEXED:
                        record_item(repo.session, item)
                    added += 1
            return profile, added

        profile, added = await self._write(write)
        self._notify()
        return ImportResult(profile, added, skipped)

    def _clean(self, section: str, values: dict[str, Any]) -> dict[str, Any]:
        rules = SECTION_RULES[section]
        cleaned = {name: rules[name][0](value, name) for name, value in values.items()}
        if section == "experiences" and cleaned.get("skills"):
            cleaned["skills"] = self._lexicon.normalise(cleaned["skills"])
        if section == "projects" and cleaned.get("technologies"):
            cleaned["technologies"] = self._lexicon.normalise(cleaned["technologies"])
        if section == "skills" and cleaned.get("name"):
            cleaned["name"] = self._lexicon.canonical(cleaned["name"]) or cleaned["name"]
            if "category" not in values:
                cleaned["category"] = self._lexicon.category(cleaned["name"])
        return cleaned

    @staticmethod
    def _check_dates(section: str, values: dict[str, Any]) -> None:
        today = this_month()
        if section == "certifications":
            check_range(values.get("issued_month"), None, start_field="issued_month", end_field="", today=today)
        elif "start_month" in SECTION_RULES[section]:
            check_range(
                values.get("start_month"),
                values.get("end_month"),
                start_field="start_month",
                end_field="end_month",
                today=today,
            )

    @staticmethod
    async def _owned(repo: ProfileRepository, user: User, section: str, item_id: str) -> SectionItem:
        find = partial(repo.item, SECTION_MODELS[section])
        item: SectionItem = await owned_or_not_found(find, user, item_id, message=f"No such item in your {section}")
        return item

    async def _written(self, work: Callable[[ProfileRepository], Any], section: str) -> Any:
        result = await self._write(work)
        if section in INDEXED:
            self._notify()
        return result

    async def _write(self, work: Callable[[ProfileRepository], Any]) -> Any:
        """One transaction; run again if a concurrent first write created the profile meanwhile."""
        try:
            return await self._once(work)
        except ProfileRace:
            return await self._once(work)

    async def _once(self, work: Callable[[ProfileRepository], Any]) -> Any:
        async with transaction(self._sessions) as session:
            return await work(ProfileRepository(session))
