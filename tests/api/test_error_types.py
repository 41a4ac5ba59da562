"""Every DomainError that models/ can raise turns into a typed UserError result, by class."""

from __future__ import annotations

import collections.abc
import enum
import importlib
import inspect
import pkgutil
import types
import typing
from typing import Any

import pytest
from graphql import GraphQLObjectType

import models
from api.schema import build_schema
from models.common.errors import Conflict, DomainError
from models.consultations.documents import Stage
from models.consultations.errors import StaleEdit, WrongStage
from models.identity.staff import TooManyAttempts
from resolvers.common.errors import (
    ConflictError,
    ErrorCode,
    RateLimitedError,
    StaleEditError,
    UserError,
    WrongStageError,
    user_error,
)


def _import_every_model_module() -> None:
    for module in pkgutil.walk_packages(models.__path__, prefix="models."):
        importlib.import_module(module.name)


def _all_subclasses(cls: type[DomainError]) -> list[type[DomainError]]:
    found: list[type[DomainError]] = []
    for subclass in cls.__subclasses__():
        found += [subclass, *_all_subclasses(subclass)]
    return found


_import_every_model_module()
_EVERY_ERROR: list[type[DomainError]] = [DomainError, *_all_subclasses(DomainError)]
DOMAIN_ERRORS = sorted(
    {cls for cls in _EVERY_ERROR if cls.__module__.startswith("models.")},
    key=lambda cls: f"{cls.__module__}.{cls.__qualname__}",
)

SCHEMA = build_schema()._schema


def _dummy(hint: Any) -> Any:
    """A value of type `hint`, for a constructor argument whose meaning does not matter here."""
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        return _dummy(next(arg for arg in typing.get_args(hint) if arg is not type(None)))
    if origin in (list, collections.abc.Iterable, collections.abc.Sequence, tuple):
        return [_dummy(typing.get_args(hint)[0])]
    if origin in (dict, collections.abc.Mapping):
        key, value = typing.get_args(hint)
        return {_dummy(key): _dummy(value)}
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        return next(iter(hint))
    if hint is str:
        return "clause 2"
    if hint is int:
        return 7
    raise AssertionError(f"teach _dummy a value of {hint!r}")


def instantiate(cls: type[DomainError]) -> DomainError:
    hints = typing.get_type_hints(cls.__init__)
    args: list[Any] = []
    kwargs: dict[str, Any] = {}
    for name, parameter in inspect.signature(cls.__init__).parameters.items():
        if name == "self" or parameter.default is not inspect.Parameter.empty:
            continue
        value = _dummy(hints[name])
        if parameter.kind is inspect.Parameter.KEYWORD_ONLY:
            kwargs[name] = value
        else:
            args.append(value)
    return cls(*args, **kwargs)


class TestEveryDomainError:
    def test_the_walk_finds_the_errors_of_every_domain(self) -> None:
        names = {cls.__name__ for cls in DOMAIN_ERRORS}

        assert {"InvalidToken", "WrongStage", "NotHolding", "IdempotencyKeyReused", "RateLimited"} <= names

    @pytest.mark.parametrize("error_class", DOMAIN_ERRORS, ids=lambda cls: cls.__qualname__)
    def test_maps_to_a_user_error_type_of_the_schema(self, error_class: type[DomainError]) -> None:
        error = instantiate(error_class)

        result = user_error(error)

        assert isinstance(result, UserError) and type(result) is not UserError
        schema_type = SCHEMA.get_type(type(result).__name__)
        assert isinstance(schema_type, GraphQLObjectType)
        assert "UserError" in {interface.name for interface in schema_type.interfaces}
        assert isinstance(result.code, ErrorCode)
        assert (result.message, result.field) == (error.message, error.field)


class TestByClass:
    def test_a_conflict_without_its_own_type_is_a_conflict_error(self) -> None:
        class LostRace(Conflict):
            code = "LOST_RACE"

        result = user_error(LostRace("someone else was quicker"))

        assert type(result) is ConflictError
        assert (result.code, result.message) == (ErrorCode.CONFLICT, "someone else was quicker")

    def test_a_subclass_of_a_typed_error_keeps_its_base_type(self) -> None:
        class WrongStageForReplies(WrongStage):
            code = "WRONG_STAGE_FOR_REPLIES"

        result = user_error(WrongStageForReplies(Stage.CLOSED, [Stage.OPEN], "replied to"))

        assert type(result) is WrongStageError
        assert result.code == ErrorCode.WRONG_STAGE

    def test_retry_after_comes_from_the_error(self) -> None:
        result = user_error(TooManyAttempts("wait a little", retry_after=42))

        assert type(result) is RateLimitedError
        assert (result.code, result.retry_after) == (ErrorCode.RATE_LIMITED, 42)

    def test_current_revision_comes_from_the_error(self) -> None:
        result = user_error(StaleEdit(current_revision=5))

        assert type(result) is StaleEditError
        assert (result.code, result.current_revision, result.field) == (ErrorCode.STALE_EDIT, 5, "revision")
