"""Check digits of the two national codes: GB 11643 (ID number) and GB 32100 (USCC)."""

from operator import mul

ID_WEIGHTS = tuple(pow(2, 17 - i, 11) for i in range(17))
ID_CHECK_CHARS = "10X98765432"
_ZEROS = ord("0") * sum(ID_WEIGHTS)

USCC_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = tuple(pow(3, i, 31) for i in range(17))


def id_check_char(first17: str) -> str:
    """ISO 7064 MOD 11-2 check character for the first 17 digits of an ID number."""
    if len(first17) != 17 or not (first17.isascii() and first17.isdigit()):
        raise ValueError("17 digits expected")
    # On the ASCII codes, less the weighted '0's: this runs for every row of an import and a seed.
    return ID_CHECK_CHARS[(sum(map(mul, first17.encode(), ID_WEIGHTS)) - _ZEROS) % 11]


def uscc_check_char(first17: str) -> str:
    """GB 32100 mod-31 check character for the first 17 characters of a USCC."""
    total = sum(USCC_CHARSET.index(c) * w for c, w in zip(first17, USCC_WEIGHTS, strict=True))
    return USCC_CHARSET[(31 - total % 31) % 31]
