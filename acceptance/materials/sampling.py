"""The sampling rules as data: how many samples a batch of a category needs, which tests they
ask, what a failed test's retest takes, and which categories must be witnessed (DOMAIN.md s6, s10).

The defaults are sampling_rules.json beside this module; a region overrides any category (or
adds one) with a JSON file of the same shape named by settings.MATERIAL_SAMPLING_RULES.
"""

import json
import math
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import get_language

DEFAULTS = Path(__file__).with_name("sampling_rules.json")


@dataclass(frozen=True)
class SamplingRule:
    code: str
    name_zh: str
    name_en: str
    is_mandatory: bool
    unit: str
    per: dict  # variant -> quantity per sampling (0: a fixed number per batch)
    samples_per_batch: int
    specimens: int
    specimens_by_quantity: tuple  # ((below, specimens), ...), the last `below` None
    tests: tuple[str, ...]
    retest_factor: int
    min_per_storey: bool = False

    @property
    def name(self) -> str:
        return self.name_zh if (get_language() or "zh-hans").startswith("zh") else self.name_en

    def required_samples(self, quantity: Decimal, variant: str = "", storeys: int = 0) -> int:
        """Samplings a batch of `quantity` needs: one per `per` started, at least one (and at
        least one per storey it went into, where the rule says so)."""
        per = Decimal(str(self.per.get(variant or "default", self.per.get("default", 0))))
        if per <= 0:
            return self.samples_per_batch
        needed = max(1, math.ceil(Decimal(quantity) / per))
        return max(needed, storeys) if self.min_per_storey else needed

    def specimens_for(self, quantity: Decimal) -> int:
        for below, specimens in self.specimens_by_quantity:
            if below is None or Decimal(quantity) < below:
                return specimens
        return self.specimens


def _rule(code: str, raw: dict) -> SamplingRule:
    try:
        return SamplingRule(
            code=code,
            name_zh=raw["name_zh"],
            name_en=raw["name_en"],
            is_mandatory=bool(raw.get("is_mandatory", False)),
            unit=raw.get("unit", ""),
            per=dict(raw.get("per", {"default": 0})),
            samples_per_batch=int(raw.get("samples_per_batch", 1)),
            specimens=int(raw.get("specimens", 1)),
            specimens_by_quantity=tuple(tuple(pair) for pair in raw.get("specimens_by_quantity", ())),
            tests=tuple(raw.get("tests", ())),
            retest_factor=int(raw.get("retest_factor", 2)),
            min_per_storey=bool(raw.get("min_per_storey", False)),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise ImproperlyConfigured(f"sampling rule {code!r} is incomplete or wrong: {exc}") from None


@cache
def _load(override: str) -> tuple[dict[str, SamplingRule], dict[str, tuple[str, str]]]:
    data = json.loads(DEFAULTS.read_text(encoding="utf-8"))
    categories, names = dict(data["categories"]), dict(data["test_names"])
    if override:
        try:
            extra = json.loads(Path(override).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ImproperlyConfigured(f"MATERIAL_SAMPLING_RULES={override}: {exc}") from None
        for code, raw in extra.get("categories", {}).items():
            categories[code] = {**categories.get(code, {}), **raw}
        names.update(extra.get("test_names", {}))
    return {code: _rule(code, raw) for code, raw in categories.items()}, names


def rules() -> dict[str, SamplingRule]:
    """Every category's rule, mandatory witnessed categories first."""
    loaded = _load(settings.MATERIAL_SAMPLING_RULES)[0]
    return dict(sorted(loaded.items(), key=lambda item: not item[1].is_mandatory))


def get_rule(category: str) -> SamplingRule | None:
    return rules().get(category)


def name_of_test(code: str) -> str:
    names = _load(settings.MATERIAL_SAMPLING_RULES)[1].get(code)
    if not names:
        return code
    return names[0] if (get_language() or "zh-hans").startswith("zh") else names[1]
