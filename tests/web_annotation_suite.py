"""The W3C Web Annotation data-model test suite, run in our tests.

The suite (tests/data/web-annotation-tests/, see its README) is a set of JSON Schemas,
one per assertion of the model, listed by `.test` files. The W3C runner
(web-platform-tests, annotation-model/scripts/JSONtest.js) validates the document with
each assertion's schema in turn, with Ajv in its default "fast" format mode:

- an assertion holds when validation gives its `expectedResult` (`valid` unless it says
  `invalid`);
- when it does not, its `errorMessage` is reported, and its `onUnexpectedResult` says
  what comes next: `failAndContinue` / `passAndContinue` go on, `...AndSkip` skips the
  rest of the assertions at its level, `...AndAbort` stops the test;
- `assertionType` says what a failure means: a `must` is a failure of the model, a
  `should` a recommendation not followed, a `may` an optional feature not used.

`check(test, document)` does the same and returns the assertions that did not hold,
sorted into musts, shoulds and mays.
"""

import json
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from jsonschema import Draft4Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

SUITE = Path(__file__).parent / "data" / "web-annotation-tests"

ANNOTATION_MUSTS = "annotations/annotationMusts.test"
ANNOTATION_OPTIONALS = "annotations/annotationOptionals.test"
AGENT_OPTIONALS = "annotations/annotationsAgentOptionals.test"
COLLECTION_MUSTS = "collections/collectionMusts.test"
COLLECTION_OPTIONALS = "collections/collectionOptionals.test"
PAGE_MUSTS = "collections/pages/pageMusts.test"
PAGE_OPTIONALS = "collections/pages/pageOptionals.test"

# Ajv's "fast" formats, the runner's (Ajv's default): the only two the schemas use.
_URI = re.compile(r"^(?:[a-z][a-z0-9+\-.]*:)(?:/?/)?[^\s]*$", re.IGNORECASE)
_DATE_TIME = re.compile(
    r"^\d\d\d\d-[0-1]\d-[0-3]\d[t\s](?:[0-2]\d:[0-5]\d:[0-5]\d|23:59:60)(?:\.\d+)?"
    r"(?:z|[+-]\d\d(?::?\d\d)?)$",
    re.IGNORECASE,
)
FORMATS = FormatChecker(formats=())
FORMATS.checks("uri")(lambda value: not isinstance(value, str) or bool(_URI.match(value)))
FORMATS.checks("date-time")(
    lambda value: not isinstance(value, str) or bool(_DATE_TIME.match(value))
)


@dataclass(frozen=True)
class Failure:
    assertion: str  # the schema's file, e.g. annotations/3.1-annotationIdValidated.json
    kind: str  # must, should or may
    message: str  # the suite's errorMessage
    errors: tuple[str, ...] = ()  # what the validator said

    def __str__(self) -> str:
        details = "; ".join(self.errors[:3])
        return f"{self.kind.upper()} {self.assertion}: {self.message} ({details})"


@dataclass
class Result:
    musts: list[Failure] = field(default_factory=list)
    shoulds: list[Failure] = field(default_factory=list)
    mays: list[Failure] = field(default_factory=list)
    passed: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)

    def add(self, failure: Failure) -> None:
        {"must": self.musts, "should": self.shoulds}.get(failure.kind, self.mays).append(failure)


@cache
def _registry() -> Registry:
    """The shared definitions (definitions/*.json), by the ids the assertions name them."""
    resources = []
    for path in sorted((SUITE / "definitions").glob("*.json")):
        contents = json.loads(path.read_text(encoding="utf-8"))
        resources.append((contents["id"], Resource.from_contents(contents, DRAFT4)))
    return Registry().with_resources(resources)


@cache
def _assertion(name: str) -> tuple[dict, Draft4Validator]:
    schema = json.loads((SUITE / name).read_text(encoding="utf-8"))
    validator = Draft4Validator(schema, registry=_registry(), format_checker=FORMATS)
    return schema, validator


@cache
def _test(name: str) -> dict:
    return json.loads((SUITE / name).read_text(encoding="utf-8"))


def check(test: str, document) -> Result:
    """Run the `.test` file `test` (a path inside the suite) on `document`."""
    result = Result()
    _run(_test(test)["assertions"], document, result)
    return result


def _run(assertions: list, document, result: Result) -> str:
    """The runner's runTests: returns "abort" when an assertion stopped the test."""
    action = "continue"
    for assertion in assertions:
        if isinstance(assertion, list):
            if _run(assertion, document, result) == "abort":
                return "abort"
            continue
        name = assertion  # the suite's .test files name each assertion's file
        if action != "continue":
            result.skipped.append(name)
            continue
        schema, validator = _assertion(name)
        errors = tuple(error.message for error in validator.iter_errors(document))
        if (not errors) == (schema.get("expectedResult", "valid") == "valid"):
            result.passed.append(name)
            continue
        result.add(
            Failure(name, schema.get("assertionType", "must"), schema["errorMessage"], errors)
        )
        action = schema.get("onUnexpectedResult", "failAndContinue").partition("And")[2].lower()
        if action == "abort":
            return "abort"
    return action
