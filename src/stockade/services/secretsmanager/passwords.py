"""GetRandomPassword: a password drawn uniformly from the allowed characters with the project's
CSPRNG (`entropy`), by rejection sampling (no modulo bias).

As the API reference describes it: 32 characters unless PasswordLength (1-4,096) says otherwise;
uppercase and lowercase letters, digits and the punctuation
``!"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~`` unless excluded; a space only with IncludeSpace; never a
character of ExcludeCharacters; and, unless RequireEachIncludedType is false, at least one
character of each included type.
"""

from __future__ import annotations

import string

from stockade import entropy
from stockade.services.context import RequestContext
from stockade.services.secretsmanager.errors import InvalidParameterError
from stockade.shapes import secretsmanager as shapes

DEFAULT_LENGTH = 32
PUNCTUATION = string.punctuation  # !"#$%&'()*+,-./:;<=>?@[\]^_`{|}~


def _index(bound: int) -> int:
    """A uniform integer in [0, bound) (bound <= 256)."""
    limit = 256 - 256 % bound
    while True:  # rejects < 1/2 of draws: ends quickly
        byte = entropy.token_bytes(1)[0]
        if byte < limit:
            return byte % bound


def _shuffled(chars: list[str]) -> list[str]:
    for i in range(len(chars) - 1, 0, -1):  # Fisher-Yates with unbiased indices
        j = _index(i + 1) if i < 256 else int.from_bytes(entropy.token_bytes(4)) % (i + 1)
        chars[i], chars[j] = chars[j], chars[i]
    return chars


def _pick(alphabet: str) -> str:
    if len(alphabet) <= 256:
        return alphabet[_index(len(alphabet))]
    return alphabet[int.from_bytes(entropy.token_bytes(4)) % len(alphabet)]


def random_password(request: shapes.GetRandomPasswordRequest) -> str:
    length = request.get("PasswordLength", DEFAULT_LENGTH)
    if not 1 <= length <= 4096:
        raise InvalidParameterError("The password length must be between 1 and 4096.")
    excluded = set(request.get("ExcludeCharacters", ""))
    types = [
        (request.get("ExcludeUppercase", False), string.ascii_uppercase),
        (request.get("ExcludeLowercase", False), string.ascii_lowercase),
        (request.get("ExcludeNumbers", False), string.digits),
        (request.get("ExcludePunctuation", False), PUNCTUATION),
        (not request.get("IncludeSpace", False), " "),
    ]
    groups = ["".join(c for c in chars if c not in excluded) for skip, chars in types if not skip]
    groups = [group for group in groups if group]
    if not groups:
        raise InvalidParameterError(
            "The password can't be generated: every character type is excluded."
        )
    alphabet = "".join(groups)
    chars: list[str] = []
    if request.get("RequireEachIncludedType", True):
        if length < len(groups):
            raise InvalidParameterError(
                "The password length is too short to contain a character of each included type."
            )
        chars = [_pick(group) for group in groups]
    chars += [_pick(alphabet) for _ in range(length - len(chars))]
    return "".join(_shuffled(chars))


class Passwords:
    def get_random_password(
        self, ctx: RequestContext, request: shapes.GetRandomPasswordRequest
    ) -> shapes.GetRandomPasswordResponse:
        del ctx
        return {"RandomPassword": random_password(request)}
