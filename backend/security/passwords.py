"""Argon2 password hashing, and the policy for new passwords (length, and zxcvbn's guessability estimate)."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from zxcvbn import zxcvbn

# Lighter than the library default so sign-in stays quick on a 2-core server; still memory-hard.
_hasher = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)

# Verified against when the user does not exist, so timing does not reveal which usernames exist.
_DUMMY_HASH = _hasher.hash("not-a-real-password")


def hash_password(password: str) -> str:
    """An argon2id hash of the password."""
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Whether the password matches; a missing hash still costs one verification."""
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 128
# zxcvbn's scores: 3 is "safely unguessable" (about 10^8 guesses or more) against its lists of common
# passwords, names, English words and keyboard patterns, with l33t and date variations.
MIN_STRENGTH = 3
# Words that make a password guessable here whatever the lists say.
_CONTEXT = ["domicare", "carer", "care", "supervisor", "commissioner", "liverpool", "council", "demo"]


def password_problems(password: str, username: str = "") -> list[str]:
    """Why a new password is not acceptable (empty when it is): long enough, not guessable, not the username."""
    problems = []
    if len(password) < MIN_PASSWORD_LENGTH:
        problems.append(f"use at least {MIN_PASSWORD_LENGTH} characters")
    if len(password) > MAX_PASSWORD_LENGTH:
        problems.append(f"use at most {MAX_PASSWORD_LENGTH} characters")
    lowered = password.lower()
    if username and username.lower() in lowered:
        problems.append("do not include your username")
    if len(password) <= MAX_PASSWORD_LENGTH and zxcvbn(password, user_inputs=[u for u in (username, *_CONTEXT) if u])["score"] < MIN_STRENGTH:
        problems.append("choose something less predictable: it is a common password or pattern "
                        "(a few unrelated words work well)")
    return problems
